import { describeContainerCases, useEngine } from './container-cases';
import { startDocker } from './docker-engine';

// The container cases on Debian's docker.io engine, which the tests start themselves.
useEngine(startDocker);
describeContainerCases('Docker');
