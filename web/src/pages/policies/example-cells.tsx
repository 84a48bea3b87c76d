import { Link } from 'react-router';
import { DateTime } from '../../components/money';
import { formatMinor } from '../../format';
import { useLang } from '../../i18n';

/** What an example authorization of a shadow result or a backtest shows first in its row. */
export interface ExampleAuthorization {
  authorizationId: string;
  createdAt: string;
  /** Minor units (ISO 4217). */
  amount: string;
  currency: string;
  merchant: { name?: string | null; id?: string | null; mcc?: string | null };
}

/** The time (linking to the transaction), amount and merchant cells of an example's row. */
export function ExampleCells({ example: e }: { example: ExampleAuthorization }) {
  const { lang } = useLang();
  return (
    <>
      <td>
        <Link to={`/transactions/${e.authorizationId}`}>
          <DateTime iso={e.createdAt} />
        </Link>
      </td>
      <td className="num money">{formatMinor(e.amount, e.currency, lang)}</td>
      <td>
        {e.merchant.name ?? e.merchant.id ?? '—'}
        {e.merchant.mcc && <div className="code">MCC {e.merchant.mcc}</div>}
      </td>
    </>
  );
}
