import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, patch, post } from '../../api';
import { Dialog } from '../../components/dialog';
import { Field, fieldError, FormError } from '../../components/field';
import { Empty, QueryView } from '../../components/states';
import { useLang } from '../../i18n';
import { developerKeys, useEventTypes, useWebhookEndpoints, type WebhookEndpoint } from './developers-api';
import { ShownOnce } from './shown-once';

/** `*`, or the chosen types: what an endpoint subscribes to, in words. */
export function EventTypesText({ types }: { types: string[] }) {
  const { t } = useLang();
  return <>{types.includes('*') ? t('developers.webhooks.allEvents') : types.join(', ')}</>;
}

/**
 * The event types of an endpoint as checkboxes: every event ("*"), or some of the catalogue's
 * types and `prefix.*` families.
 */
function EventTypePicker({ value, onChange, error }: { value: string[]; onChange: (types: string[]) => void; error: unknown }) {
  const { t } = useLang();
  const catalogue = useEventTypes();
  const all = value.includes('*');
  const message = fieldError(error, 'eventTypes');
  const toggle = (type: string, on: boolean) => onChange(on ? [...value.filter((v) => v !== '*'), type] : value.filter((v) => v !== type));
  return (
    <fieldset className="event-types" aria-invalid={Boolean(message)} aria-describedby={message ? 'event-types-error' : undefined}>
      <legend>{t('developers.webhooks.eventTypes')}</legend>
      <label className="checkbox">
        <input type="checkbox" checked={all} onChange={(e) => onChange(e.target.checked ? ['*'] : [])} />
        {t('developers.webhooks.allEvents')}
      </label>
      {!all && (
        <QueryView query={catalogue}>
          {(data) => (
            <div className="event-type-grid">
              {[...data.wildcards, ...data.eventTypes].map((type) => (
                <label key={type} className="checkbox">
                  <input type="checkbox" checked={value.includes(type)} onChange={(e) => toggle(type, e.target.checked)} />
                  <code>{type}</code>
                </label>
              ))}
            </div>
          )}
        </QueryView>
      )}
      {message && (
        <p id="event-types-error" className="field-error">
          {message}
        </p>
      )}
    </fieldset>
  );
}

export function WebhooksPanel() {
  const { t } = useLang();
  const endpoints = useWebhookEndpoints();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<WebhookEndpoint>();
  const [deleting, setDeleting] = useState<WebhookEndpoint>();
  return (
    <section className="panel" aria-labelledby="dev-webhooks">
      <h2 id="dev-webhooks">{t('developers.webhooks.title')}</h2>
      <p className="muted">{t('developers.webhooks.intro')}</p>
      <div className="form-actions">
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          {t('developers.webhooks.new')}
        </button>
      </div>
      <QueryView query={endpoints}>
        {(data) =>
          data.webhookEndpoints.length === 0 ? (
            <Empty>{t('developers.webhooks.none')}</Empty>
          ) : (
            <div className="table-wrap">
              <table aria-label={t('developers.webhooks.title')}>
                <thead>
                  <tr>
                    <th scope="col">{t('developers.webhooks.url')}</th>
                    <th scope="col">{t('developers.webhooks.eventTypes')}</th>
                    <th scope="col">{t('common.status')}</th>
                    <th scope="col">{t('developers.webhooks.actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.webhookEndpoints.map((ep) => (
                    <EndpointRow key={ep.id} endpoint={ep} onEdit={() => setEditing(ep)} onDelete={() => setDeleting(ep)} />
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryView>
      {creating && <CreateEndpointDialog onClose={() => setCreating(false)} />}
      {editing && <EditEventTypesDialog endpoint={editing} onClose={() => setEditing(undefined)} />}
      {deleting && <DeleteEndpointDialog endpoint={deleting} onClose={() => setDeleting(undefined)} />}
    </section>
  );
}

function EndpointRow({ endpoint, onEdit, onDelete }: { endpoint: WebhookEndpoint; onEdit: () => void; onDelete: () => void }) {
  const { t } = useLang();
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>();
  const [pending, setPending] = useState(false);
  const toggle = async () => {
    setPending(true);
    setError(undefined);
    try {
      await patch(`/webhook-endpoints/${encodeURIComponent(endpoint.id)}`, { enabled: !endpoint.enabled });
      await queryClient.invalidateQueries({ queryKey: developerKeys.all });
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };
  return (
    <tr>
      <td>
        <Link to={`webhooks/${endpoint.id}`}>{endpoint.url}</Link>
      </td>
      <td>
        <EventTypesText types={endpoint.eventTypes} />
      </td>
      <td>{endpoint.enabled ? t('developers.webhooks.enabled') : t('developers.webhooks.disabled')}</td>
      <td className="row-actions">
        <button type="button" onClick={() => void toggle()} disabled={pending} aria-label={`${endpoint.enabled ? t('developers.webhooks.disable') : t('developers.webhooks.enable')} ${endpoint.url}`}>
          {endpoint.enabled ? t('developers.webhooks.disable') : t('developers.webhooks.enable')}
        </button>
        <button type="button" onClick={onEdit} aria-label={`${t('developers.webhooks.editEvents')} ${endpoint.url}`}>
          {t('developers.webhooks.editEvents')}
        </button>
        <button type="button" className="danger" onClick={onDelete} aria-label={`${t('developers.webhooks.delete')} ${endpoint.url}`}>
          {t('developers.webhooks.delete')}
        </button>
        <FormError error={error} />
      </td>
    </tr>
  );
}

function CreateEndpointDialog({ onClose }: { onClose: () => void }) {
  const { t } = useLang();
  const queryClient = useQueryClient();
  const [url, setUrl] = useState('');
  const [types, setTypes] = useState<string[]>(['*']);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>();
  // The signing secret lives in this dialog's state only: closing the dialog drops it.
  const [created, setCreated] = useState<WebhookEndpoint & { secret: string }>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setPending(true);
    setError(undefined);
    try {
      const answer = await post<{ webhookEndpoint: WebhookEndpoint & { secret: string } }>('/webhook-endpoints', { url: url.trim(), eventTypes: types });
      setCreated(answer.webhookEndpoint);
      await queryClient.invalidateQueries({ queryKey: developerKeys.endpoints });
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };
  return (
    <Dialog title={t('developers.webhooks.createTitle')} onClose={onClose}>
      {created ? (
        <>
          <p>{t('developers.webhooks.created', { url: created.url })}</p>
          <ShownOnce label={t('developers.webhooks.secret')} secret={created.secret} />
          <div className="form-actions">
            <button type="button" className="primary" onClick={onClose}>
              {t('developers.rotate.done')}
            </button>
          </div>
        </>
      ) : (
        <form className="form" onSubmit={(e) => void submit(e)} noValidate>
          <Field label={t('developers.webhooks.url')} name="url" type="url" value={url} onChange={(e) => setUrl(e.target.value)} error={error} hint={t('developers.webhooks.urlHint')} required />
          <EventTypePicker value={types} onChange={setTypes} error={error} />
          <FormError error={error} fields={['url', 'eventTypes']} />
          <div className="form-actions">
            <button type="button" onClick={onClose}>
              {t('common.cancel')}
            </button>
            <button type="submit" className="primary" disabled={pending}>
              {t('common.create')}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

function EditEventTypesDialog({ endpoint, onClose }: { endpoint: WebhookEndpoint; onClose: () => void }) {
  const { t } = useLang();
  const queryClient = useQueryClient();
  const [types, setTypes] = useState(endpoint.eventTypes);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setPending(true);
    setError(undefined);
    try {
      await patch(`/webhook-endpoints/${encodeURIComponent(endpoint.id)}`, { eventTypes: types });
      await queryClient.invalidateQueries({ queryKey: developerKeys.all });
      onClose();
    } catch (err) {
      setError(err);
      setPending(false);
    }
  };
  return (
    <Dialog title={t('developers.webhooks.editTitle', { url: endpoint.url })} onClose={onClose}>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <EventTypePicker value={types} onChange={setTypes} error={error} />
        <FormError error={error} fields={['eventTypes']} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="primary" disabled={pending}>
            {t('common.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function DeleteEndpointDialog({ endpoint, onClose }: { endpoint: WebhookEndpoint; onClose: () => void }) {
  const { t } = useLang();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>();
  const remove = async () => {
    setPending(true);
    setError(undefined);
    try {
      await api(`/webhook-endpoints/${encodeURIComponent(endpoint.id)}`, { method: 'DELETE' });
      await queryClient.invalidateQueries({ queryKey: developerKeys.all });
      onClose();
    } catch (err) {
      setError(err);
      setPending(false);
    }
  };
  return (
    <Dialog
      title={t('developers.webhooks.deleteTitle')}
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="button" className="danger" onClick={() => void remove()} disabled={pending}>
            {t('developers.webhooks.delete')}
          </button>
        </>
      }
    >
      <p>{t('developers.webhooks.deleteConfirm', { url: endpoint.url })}</p>
      <FormError error={error} />
    </Dialog>
  );
}
