// Entry for server/assets/liff/sdk-mock.js (built by liff/build.sh).
// Same pluggable SDK as sdk.mjs plus LIFF Mock, for browser tests only.
// Mock mode is active only when liff.init() is called with `mock: true`.
import liff from '@line/liff/core';
import IsInClientModule from '@line/liff/is-in-client';
import IsLoggedInModule from '@line/liff/is-logged-in';
import LoginModule from '@line/liff/login';
import LogoutModule from '@line/liff/logout';
import GetIDTokenModule from '@line/liff/get-id-token';
import CloseWindowModule from '@line/liff/close-window';
import { LiffMockPlugin } from '@line/liff-mock';

// LIFF Mock reads liff.isInClient() when installed, so IsInClientModule
// must be installed before LiffMockPlugin (see @line/liff-mock README).
liff.use(new IsInClientModule());
liff.use(new IsLoggedInModule());
liff.use(new LoginModule());
liff.use(new LogoutModule());
liff.use(new GetIDTokenModule());
liff.use(new CloseWindowModule());
liff.use(new LiffMockPlugin());

window.liff = liff;
