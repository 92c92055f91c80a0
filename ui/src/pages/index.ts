// Every page of the UI, in navigation order.
import type { PageDef } from '../lib/page.ts';
import { anomaliesPage } from './anomalies.ts';
import { benchPage } from './bench.ts';
import { capacityPage } from './capacity.ts';
import { comparePage } from './compare.ts';
import { consolePage } from './console.ts';
import { coveragePage } from './coverage.ts';
import { dashboardsPage } from './dashboards.ts';
import { explorerPage } from './explorer.ts';
import { hostPage } from './host.ts';
import { overviewPage } from './overview.ts';

export const pages: readonly PageDef[] = [
  { path: /^\/$/, title: 'Fleet overview', nav: 'Fleet', href: '/', usesTime: false, create: overviewPage },
  { path: /^\/explore$/, title: 'Explorer', nav: 'Explore', href: '/explore', usesTime: true, create: explorerPage },
  { path: /^\/hosts\/([^/]+)$/, title: 'Host', usesTime: true, create: hostPage },
  { path: /^\/compare$/, title: 'Compare', nav: 'Compare', href: '/compare', usesTime: true, create: comparePage },
  { path: /^\/anomalies$/, title: 'Anomalies and alerts', nav: 'Anomalies', href: '/anomalies', usesTime: true, create: anomaliesPage },
  { path: /^\/coverage$/, title: 'Coverage', nav: 'Coverage', href: '/coverage', usesTime: false, create: coveragePage },
  { path: /^\/capacity$/, title: 'Capacity', nav: 'Capacity', href: '/capacity', usesTime: false, create: capacityPage },
  { path: /^\/console$/, title: 'Query console', nav: 'Query', href: '/console', usesTime: false, create: consolePage },
  { path: /^\/dashboards(?:\/([^/]+))?$/, title: 'Dashboards', nav: 'Dashboards', href: '/dashboards', usesTime: true, create: dashboardsPage },
  { path: /^\/bench\/chart$/, title: 'Chart benchmark', usesTime: false, create: benchPage },
];
