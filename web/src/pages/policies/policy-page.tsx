import { useTranslation } from 'react-i18next';

export default function PolicyPage() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('policies.title')}</h1>
    </section>
  );
}
