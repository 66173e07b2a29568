/** The live analysis of the URL box as a React hook (the work itself is in analysis.ts). */
import { useEffect, useRef, useState } from 'react';
import { analyzeInChunks, emptyAnalysis, type InputAnalysis } from './analysis.js';

/** The analysis of the latest text, recomputed a moment after the user stops typing. */
export function useInputAnalysis(text: string): InputAnalysis {
  const [analysis, setAnalysis] = useState<InputAnalysis>(emptyAnalysis);
  const controller = useRef<AbortController | null>(null);

  useEffect(() => {
    controller.current?.abort();
    const current = new AbortController();
    controller.current = current;
    setAnalysis((previous) => (previous.pending ? previous : { ...previous, pending: true }));
    // Small texts answer almost at once; big pastes wait for typing to settle.
    const delay = text.length < 100_000 ? 60 : 300;
    const timer = setTimeout(() => analyzeInChunks(text, current.signal, setAnalysis), delay);
    return () => {
      clearTimeout(timer);
      current.abort();
    };
  }, [text]);

  return analysis;
}
