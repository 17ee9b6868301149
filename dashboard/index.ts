/** What the CLI and `npm start` use from the dashboard. */
export { startDashboard, runDashboard, parseArgs, flagsOf, type DashboardRunOptions } from './main';
export { dashboardSchema, loadDashboardConfig, type DashboardConfig } from './config';
export type { DashboardService } from './service';
