/** The server this app talks to, as people read it ("exchange.example.com"), for the words that name it. */
import { useEffect, useState } from 'react';
import { api } from '../bridge';

export function useServerName(): string | null {
  const [name, setName] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void api()
      .getAppInfo()
      .then((r) => {
        if (live && r.ok) setName(new URL(r.value.serverUrl).host);
      });
    return () => {
      live = false;
    };
  }, []);
  return name;
}
