// Pages register themselves: every module under pages/ may export `routes: PageRoute[]`, collected here at
// build time (import.meta.glob), so adding a screen (pages/access/..., pages/school/...) touches no shared file.
import type { ComponentType } from 'react';
import type { Role } from './session.tsx';

export interface PageRoute {
  /** '/patients/:id' style pattern. */
  path: string;
  /** Page title (document title and heading). */
  title: string;
  component: ComponentType<{ params: Record<string, string> }>;
  /** Roles allowed to open it; unset = any signed-in user. */
  roles?: Role[];
  /** Show in the header navigation with this label (order by navOrder). */
  nav?: string;
  navOrder?: number;
  /** Reachable without signing in (sign-in, password reset, organization registration, ...). */
  public?: boolean;
}

const modules = import.meta.glob<{ routes?: PageRoute[] }>('./pages/**/*.tsx', { eager: true });

export const allRoutes: PageRoute[] = Object.keys(modules).sort().flatMap((k) => modules[k].routes ?? []);
