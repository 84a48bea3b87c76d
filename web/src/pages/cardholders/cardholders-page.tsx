import { useTranslation } from 'react-i18next';

export default function CardholdersPage() {
  const { t } = useTranslation();
  return <h1>{t('cardholders.title')}</h1>;
}
