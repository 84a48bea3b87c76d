import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { i18n, loadLang } from './i18n';
import './styles.css';
import { App } from './app';
import type { Lang } from './format';

// The first render waits for the language's strings (one small chunk).
void loadLang(i18n.language as Lang).then(() =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);
