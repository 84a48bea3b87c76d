import { useTranslation } from 'react-i18next';

export default function SignInPage() {
  const { t } = useTranslation();
  return <h1>{t('signIn.title')}</h1>;
}
