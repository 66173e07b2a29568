/** Queue failures in the user's language: a headline by code, then the services' one line (never holding a password). */
import { useCallback, useMemo } from 'react';
import { clusterErrorOf, type ClusterFailureCode } from '../../src/contract.js';
import { errorMessage } from '../api.js';
import { useT } from '../i18n/index.js';
import { clusterMessages, failureKey } from '../i18n/cluster.js';

export interface FailureText {
  headline: string;
  detail: string;
}

/** The text of a failure: a queue failure's headline and detail, or any other error's message. */
export function useFailureText(): { ofCode: (code: ClusterFailureCode, detail: string) => FailureText; ofError: (error: unknown) => string } {
  const t = useT(clusterMessages);
  const ofCode = useCallback((code: ClusterFailureCode, detail: string): FailureText => ({ headline: t(failureKey(code)), detail }), [t]);
  const ofError = useCallback(
    (error: unknown): string => {
      const failure = clusterErrorOf(error);
      if (!failure) return errorMessage(error);
      const text = ofCode(failure.code, failure.message);
      return t('failureLine', { headline: text.headline, detail: text.detail });
    },
    [ofCode, t],
  );
  return useMemo(() => ({ ofCode, ofError }), [ofCode, ofError]);
}
