import { MemoryTarget } from '@rotakit/core';
import { describeTargetConformance } from '@rotakit/testkit/conformance';

describeTargetConformance('memory', async () => {
  const target = new MemoryTarget({ host: 'memory', tls: 'disable', users: { root: { password: 'root-password', privileged: true } } });
  const samples = { a: 'SELECT on app.a', b: 'SELECT on app.b' } as const;
  return {
    target,
    admin: { username: 'root', password: 'root-password' },
    login: (username, password) => ({ username, password, host: 'memory', tls: 'disable' }),
    unreachable: { username: 'nobody', password: 'x', host: 'nowhere', tls: 'disable' },
    createUser: async (username, password) => {
      target.users.set(username, { password });
    },
    grant: async (username, which) => {
      const user = target.users.get(username);
      if (user) user.privileges = [...(user.privileges ?? []), samples[which]];
    },
    revoke: async (username, which) => {
      const user = target.users.get(username);
      if (user) user.privileges = (user.privileges ?? []).filter((p) => p !== samples[which]);
    },
    dropUser: async (username) => {
      target.users.delete(username);
    },
    introspect: async () => target.introspection(),
    close: async () => undefined,
  };
});
