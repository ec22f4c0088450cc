import { createRequire as __raku_createRequire } from 'node:module';
const require = __raku_createRequire(import.meta.url);
import{b as a}from"./chunk-QQ3OJTID.mjs";import"./chunk-BIQ2EYNO.mjs";import"./chunk-4VWSFD3E.mjs";export{a as gitHubPullRequests};
