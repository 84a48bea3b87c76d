import { useState } from 'react';
import { Dialog } from '../../components/dialog';
import { Field } from '../../components/field';
import { formatDateTime } from '../../format';
import { useLang } from '../../i18n';
import { useMe } from '../../me';
import { invitationLink, type IssuedInvitation } from './team-api';

/** The link of a new or reissued invitation, shown this once, to copy and send (Kartu sends no email). */
export function InvitationLink({ issued, onClose }: { issued: IssuedInvitation; onClose: () => void }) {
  const { t, lang } = useLang();
  const timeZone = useMe().data?.business.timeZone ?? 'UTC';
  const [copied, setCopied] = useState<'yes' | 'failed' | undefined>();
  const link = invitationLink(issued.acceptPath);
  const copy = () => {
    navigator.clipboard.writeText(link).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  };
  const { email, expiresAt } = issued.invitation;
  return (
    <Dialog
      title={t('team.linkTitle', { email })}
      onClose={onClose}
      footer={
        <button type="button" className="primary" onClick={onClose}>
          {t('team.done')}
        </button>
      }
    >
      <div className="form">
        <Field
          label={t('team.link')}
          name="link"
          value={link}
          readOnly
          className="team-link"
          onFocus={(e) => e.currentTarget.select()}
          hint={t('team.linkHelp', { email, until: formatDateTime(expiresAt, timeZone, lang) })}
        />
        <div className="form-actions">
          <button type="button" onClick={copy}>
            {t('team.copy')}
          </button>
        </div>
        <p role="status" className={copied === 'failed' ? 'form-error' : 'muted'}>
          {copied === 'yes' ? t('team.copied') : copied === 'failed' ? t('team.copyFailed') : ''}
        </p>
      </div>
    </Dialog>
  );
}
