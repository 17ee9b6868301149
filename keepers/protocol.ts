/** What other services may use from the keepers without the service itself: the quality score. */
export * from './quality';
