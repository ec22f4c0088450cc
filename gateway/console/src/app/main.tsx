/** The console's entry: takes a local-mode login token from the address bar, then renders the shell. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { takeLoginToken } from './api.ts';
import './styles.css';

// Read (and remove) `#login=…` before anything renders, exactly once.
const loginToken = takeLoginToken();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App loginToken={loginToken} />
  </StrictMode>,
);
