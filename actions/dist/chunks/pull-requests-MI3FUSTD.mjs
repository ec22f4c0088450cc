import { createRequire as __raku_createRequire } from 'node:module';
const require = __raku_createRequire(import.meta.url);
import{b as a}from"./chunk-J6SAIAC6.mjs";import"./chunk-A6LSJ4YD.mjs";import"./chunk-4VWSFD3E.mjs";export{a as gitHubPullRequests};
