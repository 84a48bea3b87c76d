import { Field, SelectField } from '../../components/field';
import type { FieldIssue } from '../../components/controls/controls-model';
import { issueText } from '../../components/controls/field-errors';
import { useLang } from '../../i18n';
import { SHIPPING_SERVICES, type ShippingForm, type ShippingService } from './issue-card-model';

/** The request paths of the shipping inputs, for FormError (it leaves to them what they show). */
export const SHIPPING_FIELDS = [
  'shipping.name',
  'shipping.address.line1',
  'shipping.address.line2',
  'shipping.address.city',
  'shipping.address.state',
  'shipping.address.postalCode',
  'shipping.address.country',
  'shipping.service',
] as const;

const ADDRESS: ReadonlyArray<{ key: keyof ShippingForm; path: (typeof SHIPPING_FIELDS)[number]; optional?: boolean; autoComplete: string }> = [
  { key: 'name', path: 'shipping.name', autoComplete: 'name' },
  { key: 'line1', path: 'shipping.address.line1', autoComplete: 'address-line1' },
  { key: 'line2', path: 'shipping.address.line2', optional: true, autoComplete: 'address-line2' },
  { key: 'city', path: 'shipping.address.city', autoComplete: 'address-level2' },
  { key: 'state', path: 'shipping.address.state', optional: true, autoComplete: 'address-level1' },
  { key: 'postalCode', path: 'shipping.address.postalCode', autoComplete: 'postal-code' },
  { key: 'country', path: 'shipping.address.country', autoComplete: 'country' },
];

/** Where a physical card is sent: name, address and the shipping service. */
export function ShippingFields({ value, onChange, issues, error }: { value: ShippingForm; onChange(value: ShippingForm): void; issues: readonly FieldIssue[]; error?: unknown }) {
  const { t } = useLang();
  return (
    <fieldset className="form-section">
      <legend>{t('cards.shipping.legend')}</legend>
      <div className="form-grid">
        {ADDRESS.map(({ key, path, optional, autoComplete }) => (
          <Field
            key={key}
            label={optional ? `${t(`cards.shipping.${key}`)} (${t('common.optional')})` : t(`cards.shipping.${key}`)}
            name={path}
            error={error}
            message={issueText(issues, path, t)}
            value={value[key]}
            onChange={(e) => onChange({ ...value, [key]: e.target.value })}
            autoComplete={autoComplete}
            required={!optional}
            hint={key === 'country' ? t('cards.shipping.countryHint') : undefined}
            maxLength={key === 'country' ? 2 : undefined}
          />
        ))}
        <SelectField label={t('cards.shipping.service')} name="shipping.service" error={error} value={value.service} onChange={(e) => onChange({ ...value, service: e.target.value as ShippingService })}>
          {SHIPPING_SERVICES.map((s) => (
            <option key={s} value={s}>
              {t(`cards.shipping.services.${s}`)}
            </option>
          ))}
        </SelectField>
      </div>
    </fieldset>
  );
}
