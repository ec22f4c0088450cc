import { createRequire as __raku_createRequire } from 'node:module';
const require = __raku_createRequire(import.meta.url);
import{b as a}from"./chunk-B22FWN2D.mjs";import"./chunk-X5JVVI57.mjs";export{a as gitHubPullRequests};
