/**
 * Sign-in. Local mode (`npm start`): the banner's one-time link `/console/#login=<token>` is exchanged for a
 * session cookie (POST /v1/session); main.tsx has already removed the token from the address bar. A link pasted
 * into an open tab arrives as a hash change and is exchanged the same way. Gateway role: "Sign in" starts the
 * OIDC login at /console/login (the URL the gateway's 401 names).
 */
import { useEffect, useRef, useState } from 'react';
import { type Session, type SignedOut, signInWithToken, takeLoginToken } from '../api.ts';

export interface LoginViewProps {
  /** A one-time token from the link the page was opened with. */
  loginToken: string | undefined;
  /** Why there is no session (the gateway's message), and where sign-in starts. */
  signedOut: SignedOut;
  onSignedIn(session: Session): void;
}

type Exchange = { state: 'idle' } | { state: 'exchanging' } | { state: 'failed'; message: string };

export function LoginView({ loginToken, signedOut, onSignedIn }: LoginViewProps) {
  const [exchange, setExchange] = useState<Exchange>(
    loginToken ? { state: 'exchanging' } : { state: 'idle' },
  );
  const used = useRef(new Set<string>());
  const signedIn = useRef(onSignedIn);
  signedIn.current = onSignedIn;
  const heading = useRef<HTMLHeadingElement>(null);

  const redeem = useRef((token: string) => {
    if (used.current.has(token)) return;
    used.current.add(token);
    setExchange({ state: 'exchanging' });
    signInWithToken(token).then(
      (result) => {
        if (result.ok) signedIn.current(result.session);
        else setExchange({ state: 'failed', message: result.signedOut.message });
      },
      () => setExchange({ state: 'failed', message: 'Cannot reach the gateway. Is it running?' }),
    );
  });

  useEffect(() => {
    if (loginToken) redeem.current(loginToken);
    const onHash = () => {
      const token = takeLoginToken();
      if (token) redeem.current(token);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [loginToken]);

  useEffect(() => {
    document.title = 'Sign in · Raku console';
    heading.current?.focus();
  }, []);

  const message = exchange.state === 'failed' ? exchange.message : signedOut.message;
  const loginUrl = signedOut.login ?? '/console/login';

  return (
    <main id="main" className="login">
      <section className="login-card" aria-labelledby="login-title">
        <h1 id="login-title" ref={heading} tabIndex={-1}>
          Sign in to the Raku console
        </h1>
        {exchange.state === 'exchanging' ? (
          <p role="status">Signing in with the link…</p>
        ) : (
          <>
            {message ? (
              <p className={exchange.state === 'failed' ? 'error-banner' : 'login-reason'} role="alert">
                {sentence(message)}
              </p>
            ) : null}
            {signedOut.mode !== 'local' ? (
              <>
                <h2>Gateway with single sign-on</h2>
                <p>Sign in with your organisation's identity provider.</p>
                <p>
                  <a className="button button-primary" href={loginUrl}>
                    Sign in
                  </a>
                </p>
              </>
            ) : null}
            {signedOut.mode !== 'oidc' ? (
              <>
                <h2>Local mode (npm start)</h2>
                <p>
                  Open the one-time link that <code>npm start</code> printed, of the form{' '}
                  <code>http://127.0.0.1:…/console/#login=…</code>. A link works once and expires after 15
                  minutes; restart <code>npm start</code> for a new one.
                </p>
              </>
            ) : null}
          </>
        )}
      </section>
    </main>
  );
}

/** The gateway's reasons are lower-case fragments ('no console session: sign in'); show them as a sentence. */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
