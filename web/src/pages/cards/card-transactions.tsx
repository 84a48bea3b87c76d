import { Link } from 'react-router';
import { DateTime, Money } from '../../components/money';
import { Empty, QueryView } from '../../components/states';
import { explainDecision } from '../../decline-reasons';
import { useLang } from '../../i18n';
import { CARD_AUTHORIZATIONS_PAGE, useCardAuthorizations } from './cards-api';

/** The card's latest authorizations (GET /authorizations?cardId=), each opening the transactions drawer. */
export function CardTransactions({ cardId }: { cardId: string }) {
  const { t, lang } = useLang();
  const authorizations = useCardAuthorizations(cardId);
  return (
    <section className="panel" aria-labelledby="card-transactions-title">
      <h2 id="card-transactions-title">{t('cards.transactions.title')}</h2>
      <QueryView query={authorizations}>
        {(page) =>
          page.authorizations.length === 0 ? (
            <Empty>{t('cards.transactions.none')}</Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t('cards.transactions.time')}</th>
                      <th scope="col">{t('cards.transactions.merchant')}</th>
                      <th scope="col" className="num">
                        {t('cards.transactions.amount')}
                      </th>
                      <th scope="col">{t('cards.transactions.decision')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.authorizations.map((a) => {
                      const explained = explainDecision(a, t, lang);
                      return (
                        <tr key={a.id}>
                          <td>
                            <Link to={`/transactions/${a.id}`}>
                              <DateTime iso={a.createdAt} />
                            </Link>
                          </td>
                          <td>
                            {a.merchant.name} <span className="code">MCC {a.merchant.mcc} · {a.merchant.country}</span>
                          </td>
                          <td className="num">
                            <Money value={a.amount} />
                          </td>
                          <td>
                            <span className={`decision-${a.decision}`}>{t(`decision.${a.decision}`)}</span>
                            {a.decision !== 'approved' && <span className="decision-reason"> — {explained.sentence}</span>}
                            <span className="code"> {a.responseCode}</span>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              {page.nextCursor && (
                <p>
                  <Link to={`/transactions?cardId=${encodeURIComponent(cardId)}`}>{t('cards.transactions.all', { count: CARD_AUTHORIZATIONS_PAGE })}</Link>
                </p>
              )}
            </>
          )
        }
      </QueryView>
    </section>
  );
}
