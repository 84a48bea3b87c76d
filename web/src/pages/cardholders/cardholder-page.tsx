import { useTranslation } from 'react-i18next';

export default function CardholderPage() {
  const { t } = useTranslation();
  return <h1>{t('cardholders.title')}</h1>;
}
