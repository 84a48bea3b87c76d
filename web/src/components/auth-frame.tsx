import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSwitcher } from './layout';

/** The frame of the pages before a full session: sign-in, the two-factor step, enrolment. */
export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <main id="main" className="auth-page">
      <div className="auth-top">
        <span className="brand">{t('app.name')}</span>
        <LanguageSwitcher />
      </div>
      <section className="panel">
        <h1>{title}</h1>
        {children}
      </section>
    </main>
  );
}
