import { createRequire as __raku_createRequire } from 'node:module';
const require = __raku_createRequire(import.meta.url);
import{b as a}from"./chunk-JAISSTPR.mjs";import"./chunk-M2F3SPWI.mjs";export{a as gitHubPullRequests};
