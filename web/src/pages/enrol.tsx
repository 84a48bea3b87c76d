import { useTranslation } from 'react-i18next';

export default function EnrolPage() {
  const { t } = useTranslation();
  return <h1>{t('enrol.title')}</h1>;
}
