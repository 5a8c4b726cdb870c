import type { Express } from 'express';
import type { Database } from '../../src/db/database.ts';
import { createAdmin, createTeacher, createUser } from './factories.ts';
import { newAgent, signIn, type Agent } from './forms.ts';
import { csrfTokenOf } from './login.ts';

/** A signed-in agent of the given role, with a helper to post forms from any page. */
export async function signedInAs(app: Express, db: Database, role: 'student' | 'teacher' | 'admin', overrides = {}) {
  const make = role === 'admin' ? createAdmin : role === 'teacher' ? createTeacher : createUser;
  const user = await make(db, overrides);
  const agent = newAgent(app);
  await signIn(agent, user.email, user.password);
  const csrf = csrfTokenOf((await agent.get('/')).text);
  return {
    user,
    agent,
    csrf,
    /** POSTs a urlencoded form with this session's CSRF token. */
    post: (path: string, fields: Record<string, string> = {}) => agent.post(path).type('form').send({ ...fields, _csrf: csrf }),
  };
}

export type SignedIn = Awaited<ReturnType<typeof signedInAs>> & { agent: Agent };
