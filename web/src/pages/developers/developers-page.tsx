import { useQueryClient } from '@tanstack/react-query';
import { useState, type ChangeEvent, type FormEvent } from 'react';
import { api, get, patch, post } from '../../api';
import { Dialog } from '../../components/dialog';
import { Field, FieldShell, FormError } from '../../components/field';
import { DateTime } from '../../components/money';
import { QueryView } from '../../components/states';
import { useLang } from '../../i18n';
import { useCan } from '../../me';
import { developerKeys, useDeveloperSettings, type DeveloperSettings, type PublicKeyInfo } from './developers-api';
import { ShownOnce } from './shown-once';
import { WebhooksPanel } from './webhooks-panel';

/** The developers page (owners): the partner's SNAP credentials and settings, webhooks, the notification key. */
export function DevelopersPage() {
  const { t } = useLang();
  const owner = useCan('manageDevelopers');
  const settings = useDeveloperSettings(owner);
  return (
    <section className="developers">
      <h1>{t('developers.title')}</h1>
      {!owner ? (
        <p className="state" role="alert">
          {t('developers.ownersOnly')}
        </p>
      ) : (
        <QueryView query={settings}>
          {(data) => (
            <>
              <p className="muted">{t('developers.intro')}</p>
              <CredentialsPanel settings={data} />
              <PublicKeyPanel publicKey={data.credentials.publicKey} />
              <AccessPanel settings={data} />
              <WebhooksPanel />
              <NotificationKeyPanel />
              {data.queueBoard && <QueueBoardPanel board={data.queueBoard} />}
            </>
          )}
        </QueryView>
      )}
    </section>
  );
}

function CredentialsPanel({ settings }: { settings: DeveloperSettings }) {
  const { t } = useLang();
  const c = settings.credentials;
  const [rotating, setRotating] = useState(false);
  const services = c.enabledServices === null ? t('developers.credentials.allServices') : c.enabledServices.map((code) => `${code} ${settings.services.find((s) => s.code === code)?.name ?? ''}`.trim()).join(', ');
  return (
    <section className="panel" aria-labelledby="dev-credentials">
      <h2 id="dev-credentials">{t('developers.credentials.title')}</h2>
      <dl className="facts">
        <dt>{t('developers.credentials.clientKey')}</dt>
        <dd>
          <code>{c.clientKey}</code>
        </dd>
        <dt>{t('developers.credentials.partnerId')}</dt>
        <dd>
          <code>{c.partnerId}</code>
        </dd>
        <dt>{t('developers.credentials.channelId')}</dt>
        <dd>
          <code>{c.channelId}</code>
        </dd>
        <dt>{t('common.status')}</dt>
        <dd>{t(`developers.credentials.status.${c.status}`)}</dd>
        <dt>{t('developers.credentials.signatureMode')}</dt>
        <dd>{t(`developers.credentials.mode.${c.signatureMode}`)}</dd>
        <dt>{t('developers.credentials.services')}</dt>
        <dd>{services}</dd>
        <dt>{t('developers.credentials.clientSecret')}</dt>
        <dd>{t('developers.credentials.secretHidden')}</dd>
        <dt>{t('developers.credentials.secretRotatedAt')}</dt>
        <dd>{c.secretRotatedAt ? <DateTime iso={c.secretRotatedAt} /> : t('developers.credentials.never')}</dd>
        {c.previousSecretValidUntil && (
          <>
            <dt>{t('developers.credentials.previousSecretValidUntil')}</dt>
            <dd>
              <DateTime iso={c.previousSecretValidUntil} />
            </dd>
          </>
        )}
        <dt>{t('developers.credentials.lastUsedAt')}</dt>
        <dd>{c.lastUsedAt ? <DateTime iso={c.lastUsedAt} /> : t('developers.credentials.never')}</dd>
        <dt>{t('developers.credentials.secretLastUsedAt')}</dt>
        <dd>{c.secretLastUsedAt ? <DateTime iso={c.secretLastUsedAt} /> : t('developers.credentials.never')}</dd>
        {c.previousSecretValidUntil && (
          <>
            <dt>{t('developers.credentials.previousSecretLastUsedAt')}</dt>
            <dd>{c.previousSecretLastUsedAt ? <DateTime iso={c.previousSecretLastUsedAt} /> : t('developers.credentials.never')}</dd>
          </>
        )}
        <dt>{t('developers.credentials.publicKeyLastUsedAt')}</dt>
        <dd>{c.publicKeyLastUsedAt ? <DateTime iso={c.publicKeyLastUsedAt} /> : t('developers.credentials.never')}</dd>
      </dl>
      <div className="form-actions">
        <button type="button" className="danger" onClick={() => setRotating(true)}>
          {t('developers.rotate.button')}
        </button>
      </div>
      {rotating && <RotateDialog overlapSeconds={c.secretOverlapSeconds} onClose={() => setRotating(false)} />}
    </section>
  );
}

/** The overlap in whole hours when it is some, else minutes. */
function overlapText(seconds: number, t: ReturnType<typeof useLang>['t']): string {
  return seconds >= 3600 && seconds % 3600 === 0 ? t('developers.rotate.hours', { n: seconds / 3600 }) : t('developers.rotate.minutes', { n: Math.round(seconds / 60) });
}

/** Confirm, then the new secret once. It lives in this dialog's state: closing it drops the secret. */
function RotateDialog({ overlapSeconds, onClose }: { overlapSeconds: number; onClose: () => void }) {
  const { t } = useLang();
  const queryClient = useQueryClient();
  const [rotated, setRotated] = useState<{ clientSecret: string; previousSecretValidUntil: string }>();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>();
  const rotate = async () => {
    setPending(true);
    setError(undefined);
    try {
      setRotated(await post<{ clientSecret: string; previousSecretValidUntil: string }>('/developers/client-secret/rotate'));
      await queryClient.invalidateQueries({ queryKey: developerKeys.settings });
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };
  return (
    <Dialog
      title={t('developers.rotate.title')}
      onClose={onClose}
      footer={
        rotated ? (
          <button type="button" className="primary" onClick={onClose}>
            {t('developers.rotate.done')}
          </button>
        ) : (
          <>
            <button type="button" onClick={onClose}>
              {t('common.cancel')}
            </button>
            <button type="button" className="danger" onClick={() => void rotate()} disabled={pending}>
              {t('developers.rotate.confirm')}
            </button>
          </>
        )
      }
    >
      {rotated ? (
        <>
          <ShownOnce label={t('developers.rotate.newSecret')} secret={rotated.clientSecret} />
          <p>
            {t('developers.rotate.previousUntil')} <DateTime iso={rotated.previousSecretValidUntil} />
          </p>
        </>
      ) : (
        <>
          <p>{t('developers.rotate.explain', { overlap: overlapText(overlapSeconds, t) })}</p>
          <FormError error={error} />
        </>
      )}
    </Dialog>
  );
}

function PublicKeyPanel({ publicKey }: { publicKey: PublicKeyInfo }) {
  const { t } = useLang();
  const queryClient = useQueryClient();
  const [pem, setPem] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const readFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (file) setPem(await file.text());
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setPending(true);
    setError(undefined);
    setSaved(false);
    try {
      await api('/developers/public-key', { method: 'PUT', body: { publicKeyPem: pem } });
      setPem('');
      setSaved(true);
      await queryClient.invalidateQueries({ queryKey: developerKeys.settings });
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };
  return (
    <section className="panel" aria-labelledby="dev-public-key">
      <h2 id="dev-public-key">{t('developers.publicKey.title')}</h2>
      <p className="muted">{t('developers.publicKey.intro')}</p>
      <dl className="facts">
        <dt>{t('developers.publicKey.algorithm')}</dt>
        <dd>{t('developers.publicKey.bits', { algorithm: publicKey.algorithm, bits: publicKey.bits })}</dd>
        <dt>{t('developers.publicKey.fingerprint')}</dt>
        <dd>
          <code className="fingerprint">{publicKey.fingerprintSha256}</code>
        </dd>
      </dl>
      {saved && (
        <p className="notice" role="status">
          {t('developers.publicKey.saved')}
        </p>
      )}
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <FieldShell label={t('developers.publicKey.pem')} name="publicKeyPem" error={error} hint={t('developers.publicKey.pemHint')}>
          {(control) => <textarea {...control} rows={6} value={pem} onChange={(e) => setPem(e.target.value)} spellCheck={false} className="pem" />}
        </FieldShell>
        <Field label={t('developers.publicKey.file')} name="publicKeyFile" type="file" accept=".pem,.pub,.key,text/plain" onChange={(e) => void readFile(e)} />
        <FormError error={error} fields={['publicKeyPem']} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={pending || !pem.trim()}>
            {t('developers.publicKey.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}

function AccessPanel({ settings }: { settings: DeveloperSettings }) {
  const { t } = useLang();
  const queryClient = useQueryClient();
  const c = settings.credentials;
  const [allowlist, setAllowlist] = useState(c.ipAllowlist.join('\n'));
  const [rate, setRate] = useState(c.rateLimitPerSecond === null ? '' : String(c.rateLimitPerSecond));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const [rateMessage, setRateMessage] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setSaved(false);
    setRateMessage(undefined);
    const text = rate.trim();
    const rateLimitPerSecond = text === '' ? null : Number(text);
    if (rateLimitPerSecond !== null && !(Number.isInteger(rateLimitPerSecond) && rateLimitPerSecond >= 1 && rateLimitPerSecond <= 100_000)) {
      setRateMessage(t('developers.access.rateInvalid'));
      return;
    }
    setPending(true);
    try {
      const ipAllowlist = allowlist.split(/[\s,]+/).filter(Boolean);
      const answer = await patch<DeveloperSettings>('/developers/access', { ipAllowlist, rateLimitPerSecond });
      queryClient.setQueryData(developerKeys.settings, answer);
      setAllowlist(answer.credentials.ipAllowlist.join('\n'));
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };
  return (
    <section className="panel" aria-labelledby="dev-access">
      <h2 id="dev-access">{t('developers.access.title')}</h2>
      <p className="muted">{t('developers.access.intro')}</p>
      {saved && (
        <p className="notice" role="status">
          {t('developers.access.saved')}
        </p>
      )}
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <FieldShell label={t('developers.access.allowlist')} name="ipAllowlist" error={error} hint={t('developers.access.allowlistHint')}>
          {(control) => <textarea {...control} rows={4} value={allowlist} onChange={(e) => setAllowlist(e.target.value)} spellCheck={false} />}
        </FieldShell>
        <Field
          label={t('developers.access.rateLimit')}
          name="rateLimitPerSecond"
          inputMode="numeric"
          value={rate}
          onChange={(e) => setRate(e.target.value)}
          error={error}
          message={rateMessage}
          hint={t('developers.access.rateHint', { default: c.defaultRateLimitPerSecond })}
        />
        <FormError error={error} fields={['ipAllowlist', 'rateLimitPerSecond']} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={pending}>
            {t('common.save')}
          </button>
        </div>
      </form>
    </section>
  );
}

function NotificationKeyPanel() {
  const { t } = useLang();
  const [error, setError] = useState<unknown>();
  const download = async () => {
    setError(undefined);
    try {
      const { publicKey } = await get<{ publicKey: string }>('/notification-public-key');
      const url = URL.createObjectURL(new Blob([publicKey], { type: 'application/x-pem-file' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = 'kartu-notification-public-key.pem';
      a.click();
      URL.revokeObjectURL(url);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="panel" aria-labelledby="dev-notification-key">
      <h2 id="dev-notification-key">{t('developers.notificationKey.title')}</h2>
      <p className="muted">{t('developers.notificationKey.intro')}</p>
      <FormError error={error} />
      <button type="button" onClick={() => void download()}>
        {t('developers.notificationKey.download')}
      </button>
    </section>
  );
}

function QueueBoardPanel({ board }: { board: { path: string; reachable: boolean } }) {
  const { t } = useLang();
  return (
    <section className="panel" aria-labelledby="dev-queue-board">
      <h2 id="dev-queue-board">{t('developers.queueBoard.title')}</h2>
      <p className="muted">{t('developers.queueBoard.intro')}</p>
      {board.reachable ? (
        <p>
          {/* Outside the dashboard's router: a page of its own, served by the api. */}
          <a href={board.path}>{t('developers.queueBoard.open')}</a>
        </p>
      ) : (
        <p className="state">{t('developers.queueBoard.unreachable')}</p>
      )}
    </section>
  );
}
