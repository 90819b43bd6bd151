import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { onUnauthorized, readToken, saveToken } from './api.ts';
import type { Me } from './api-types.ts';
import { Link, match, useLocation } from './router.tsx';
import { useFetch } from './use-fetch.ts';
import { ApprovalsView } from './views/approvals-view.tsx';
import { DiffView } from './views/diff-view.tsx';
import { RunView } from './views/run-view.tsx';
import { RunsView } from './views/runs-view.tsx';
import { WebhooksView } from './views/webhooks-view.tsx';
import { WorkflowsView } from './views/workflows-view.tsx';

const MeContext = createContext<Me | undefined>(undefined);
/** Who the server says the caller is: its role decides which buttons show. */
export const useMe = () => useContext(MeContext);

export function App() {
  const { path } = useLocation();
  const me = useFetch<Me>('/api/me');
  const [askToken, setAskToken] = useState(false);
  // A new token shows every page afresh: what was refused before may be allowed now.
  const [tokenVersion, setTokenVersion] = useState(0);
  useEffect(() => onUnauthorized(() => setAskToken(true)), []);
  const section = path.split('/')[1] || 'workflows';
  return (
    <MeContext.Provider value={me.data}>
      <header className="top">
        <span className="brand">Baton Studio</span>
        <nav>
          <Link to="/workflows" className={section === 'workflows' ? 'active' : ''}>
            Workflows
          </Link>
          <Link to="/runs" className={section === 'runs' || section === 'diff' ? 'active' : ''}>
            Runs
          </Link>
          <Link to="/approvals" className={section === 'approvals' ? 'active' : ''}>
            Approvals
          </Link>
          <Link to="/webhooks" className={section === 'webhooks' ? 'active' : ''}>
            Webhooks
          </Link>
        </nav>
        <span className="me">
          {me.data ? (
            <>
              {me.data.name} <span className="role">{me.data.role}</span>
            </>
          ) : null}
          <button type="button" className="link-button" onClick={() => setAskToken(true)}>
            {readToken() ? 'Change token' : 'Token'}
          </button>
        </span>
      </header>
      {askToken && (
        <TokenDialog
          onDone={() => {
            setAskToken(false);
            setTokenVersion((version) => version + 1);
            me.reload();
          }}
        />
      )}
      <main>
        <Page key={tokenVersion} path={path} />
      </main>
    </MeContext.Provider>
  );
}

/** The views by path pattern; the first that matches renders. */
const routes: Array<[string, (params: Record<string, string>) => ReactNode]> = [
  ['/', () => <WorkflowsView />],
  ['/workflows', () => <WorkflowsView />],
  ['/workflows/:name', (params) => <WorkflowsView name={params.name} />],
  ['/runs', () => <RunsView />],
  ['/runs/:id', (params) => <RunView key={params.id} runId={params.id ?? ''} />],
  ['/diff/:base/:fork', (params) => <DiffView baseId={params.base ?? ''} forkId={params.fork ?? ''} />],
  ['/approvals', () => <ApprovalsView />],
  ['/webhooks', () => <WebhooksView />],
];

function Page({ path }: { path: string }) {
  for (const [pattern, render] of routes) {
    const params = pattern === '/' ? (path === '/' ? {} : undefined) : match(pattern, path);
    if (params) return render(params);
  }
  return (
    <section className="panel">
      <h1>Not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link to="/workflows">See the workflows</Link>.
      </p>
    </section>
  );
}

function TokenDialog({ onDone }: { onDone: () => void }) {
  const [token, setToken] = useState(readToken() ?? '');
  return (
    <form
      className="token-dialog"
      onSubmit={(event) => {
        event.preventDefault();
        saveToken(token.trim() || null);
        onDone();
      }}
    >
      <label htmlFor="token">
        This server needs an access token. It is kept in this tab only (session storage), never in a cookie.
      </label>
      <input id="token" type="password" value={token} onChange={(event) => setToken(event.target.value)} />
      <button type="submit">Use token</button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
    </form>
  );
}
