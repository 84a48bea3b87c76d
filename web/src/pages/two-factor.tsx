import { useTranslation } from 'react-i18next';

export default function TwoFactorPage() {
  const { t } = useTranslation();
  return <h1>{t('twoFactor.title')}</h1>;
}
