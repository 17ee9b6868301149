/**
 * The interface of `peer_market`: the single source of truth for its instructions, accounts,
 * events, errors, seeds and constants (one file per area in `spec/`). `npm run build` turns it
 * into the Anchor IDL, the TS type helper and `src/interface.rs`.
 */
import type { ProgramSpec } from '../../tools/idl/spec';
import { configInstructions, configTypes } from './spec/config';
import { constants } from './spec/constants';
import { creditInstructions, creditTypes } from './spec/credits';
import { errors } from './spec/errors';
import { jobInstructions, jobTypes } from './spec/jobs';
import { verificationInstructions, verificationTypes } from './spec/verification';
import { workerInstructions, workerTypes } from './spec/workers';

export const peerMarket: ProgramSpec = {
  name: 'peer_market',
  version: '0.1.0',
  description: 'Peer Cycles market: config, workers and bonds, credits, job escrow, challenges',
  constants,
  types: { ...configTypes, ...workerTypes, ...creditTypes, ...jobTypes, ...verificationTypes },
  accounts: ['Config', 'FeeLedger', 'Worker', 'CreditAccount', 'Job', 'MatcherRegistration', 'Validator', 'Challenge', 'Vote'],
  events: [
    'ConfigInitialized',
    'ConfigUpdated',
    'WorkerRegistered',
    'WorkerUpdated',
    'WorkerPauseChanged',
    'BondChanged',
    'WorkerClosed',
    'EarningsClaimed',
    'CreditsChanged',
    'JobPosted',
    'JobCancelled',
    'JobAssigned',
    'ResultSubmitted',
    'JobExpired',
    'JobFinalized',
    'FeesSwept',
    'MatcherChanged',
    'ValidatorChanged',
    'ChallengeOpened',
    'VoteCommitted',
    'VoteRevealed',
    'VoteClosed',
    'ChallengeResolved',
    'EnclaveRegistered',
  ],
  instructions: [...configInstructions, ...workerInstructions, ...creditInstructions, ...jobInstructions, ...verificationInstructions],
  errors,
};

export default peerMarket;
