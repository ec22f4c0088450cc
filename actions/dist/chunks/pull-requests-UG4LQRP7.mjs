import { createRequire as __raku_createRequire } from 'node:module';
const require = __raku_createRequire(import.meta.url);
import{b as a}from"./chunk-6N4XI7SP.mjs";import"./chunk-SSUG4NB7.mjs";export{a as gitHubPullRequests};
