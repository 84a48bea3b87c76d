import { useState } from 'react';
import { useLang } from '../../i18n';

/**
 * A secret the server shows once (a client secret, a webhook signing secret): in the opener's
 * state only — never in the query cache or storage — with a copy button and a warning that it is
 * not shown again.
 */
export function ShownOnce({ label, secret }: { label: string; secret: string }) {
  const { t } = useLang();
  const [copied, setCopied] = useState<'yes' | 'failed'>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <div className="shown-once">
      <p className="notice notice-warn" role="alert">
        {t('developers.shownOnce.warning')}
      </p>
      <p className="shown-once-label">
        {label}: <code className="secret">{secret}</code>
      </p>
      <div className="form-actions">
        <button type="button" onClick={() => void copy()}>
          {t('developers.shownOnce.copy')}
        </button>
        <span role="status" className="muted">
          {copied === 'yes' ? t('developers.shownOnce.copied') : copied === 'failed' ? t('developers.shownOnce.copyFailed') : ''}
        </span>
      </div>
    </div>
  );
}
