import { useTranslation } from 'react-i18next';

export default function OverviewPage() {
  const { t } = useTranslation();
  return <h1>{t('overview.title')}</h1>;
}
