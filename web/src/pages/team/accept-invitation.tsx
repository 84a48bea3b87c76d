import { useTranslation } from 'react-i18next';

/** The page an invitation link opens: the invited admin sets a password (no session yet). */
export default function AcceptInvitationPage() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('team.title')}</h1>
    </section>
  );
}
