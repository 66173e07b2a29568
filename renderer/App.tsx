/**
 * The window: a header with the tabs (Titles, Primes, Thumbnails) and the language selector, and the tab panels.
 * The language comes from the host (`app.info`), follows `app.languageChanged` (Electron's menu, another browser
 * tab) and can be switched here; the choice is saved by the host through `app.setLanguage`.
 */
import { useCallback, useEffect, useState } from 'react';
import type { Language } from '../src/contract.js';
import { errorMessage, invoke, useApiEvent } from './api.js';
import { SelectField } from './components/Fields.js';
import { ConnectionBanner, ConnectionProvider, useHostOnline } from './connection.js';
import { Tabs } from './components/Tabs.js';
import { ToastProvider, useToast } from './components/Toasts.js';
import { commonMessages } from './i18n/common.js';
import { LanguageProvider, languageFromTag, translate, useLanguage, useT } from './i18n/index.js';
import { PrimesTab } from './primes/PrimesTab.js';
import { ThumbsTab } from './thumbs/ThumbsTab.js';
import { TitlesTab } from './titles/TitlesTab.js';

type TabId = 'titles' | 'primes' | 'thumbs';

function Shell() {
  const t = useT(commonMessages);
  const { language, setLanguage } = useLanguage();
  const online = useHostOnline();
  const [tab, setTab] = useState<TabId>('titles');

  useApiEvent('menu.command', ({ command }) => {
    if (command === 'tab-titles' || command === 'open' || command.startsWith('export-')) setTab('titles');
    else if (command === 'tab-primes') setTab('primes');
    else if (command === 'tab-thumbs') setTab('thumbs');
  });

  return (
    <Tabs<TabId>
      label={t('tabsLabel')}
      selected={tab}
      onSelect={setTab}
      banner={<ConnectionBanner />}
      leading={
        <div className="brand" aria-hidden="true">
          <span className="brand__mark" />
          <span className="brand__name">{t('appName')}</span>
        </div>
      }
      trailing={
        <SelectField<Language>
          className="language-select"
          compact
          label={t('language')}
          value={language}
          onChange={setLanguage}
          disabled={!online}
          options={[
            { value: 'en', label: t('languageEnglish') },
            { value: 'zh-CN', label: t('languageChinese') },
          ]}
        />
      }
      items={[
        { id: 'titles', label: t('tabTitles'), content: <TitlesTab active={tab === 'titles'} /> },
        { id: 'primes', label: t('tabPrimes'), content: <PrimesTab /> },
        { id: 'thumbs', label: t('tabThumbs'), content: <ThumbsTab /> },
      ]}
    />
  );
}

/** Reports a failed language save once the toasts exist. */
function LanguageSaveErrors(props: { error: string | null }) {
  const toast = useToast();
  useEffect(() => {
    if (props.error) toast.show(props.error, 'error');
  }, [props.error, toast]);
  return null;
}

export function App() {
  const [language, setLanguageState] = useState<Language | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);

  useEffect(() => {
    invoke('app.info').then(
      (info) => setLanguageState(info.language),
      // No answer about the language: follow the browser's.
      () => setLanguageState(languageFromTag(navigator.language)),
    );
  }, []);
  useApiEvent('app.languageChanged', ({ language: next }) => setLanguageState(next));

  useEffect(() => {
    if (!language) return;
    document.documentElement.lang = language;
  }, [language]);

  const setLanguage = useCallback((next: Language) => {
    setLanguageState(next);
    invoke('app.setLanguage', next).catch((error: unknown) => {
      setSaveError(translate(commonMessages, next, 'commandFailed', { what: translate(commonMessages, next, 'language'), message: errorMessage(error) }));
    });
  }, []);

  // Until the host says which language, render nothing rather than flash the wrong one.
  if (!language) return null;
  return (
    <LanguageProvider language={language} setLanguage={setLanguage}>
      <ToastProvider dismissLabel={translate(commonMessages, language, 'dismiss')} regionLabel={translate(commonMessages, language, 'notifications')}>
        <LanguageSaveErrors error={saveError} />
        <ConnectionProvider>
          <Shell />
        </ConnectionProvider>
      </ToastProvider>
    </LanguageProvider>
  );
}
