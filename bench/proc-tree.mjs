// The memory of a process and all its descendants, sampled from Linux's /proc (bench/thumbs.mjs, bench/render.mjs).
import { readFileSync, readdirSync } from 'node:fs';

const pageSize = 4096;

/** Process ids of `pid` and all its descendants. */
export function processTree(pid) {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${all[i]}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        for (const child of readFileSync(`/proc/${all[i]}/task/${task}/children`, 'utf8').trim().split(/\s+/)) if (child) all.push(Number(child));
      } catch {
        // the task ended meanwhile
      }
    }
  }
  return all;
}

function rssOf(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * pageSize;
  } catch {
    return 0; // ended meanwhile
  }
}

/** The sum of the tree's resident set sizes (pages shared by several processes are counted once per process). */
export function treeRss(pid) {
  let bytes = 0;
  for (const member of processTree(pid)) bytes += rssOf(member);
  return bytes;
}

/**
 * The sum of the tree's proportional set sizes (Pss, /proc/PID/smaps_rollup): resident memory with pages shared by N
 * processes counted 1/N each. Chromium's processes share most of their resident pages (the browser binary, fonts,
 * shared memory between renderer and browser), so summing their RSS would count the same memory once per process.
 * Falls back to RSS where smaps_rollup cannot be read.
 */
export function treePss(pid) {
  let bytes = 0;
  for (const member of processTree(pid)) {
    try {
      const pss = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${member}/smaps_rollup`, 'utf8'));
      if (pss) {
        bytes += Number(pss[1]) * 1024;
        continue;
      }
    } catch {
      // not readable, or ended meanwhile
    }
    bytes += rssOf(member);
  }
  return bytes;
}
