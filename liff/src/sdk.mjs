// Entry for server/assets/liff/sdk.js (built by liff/build.sh).
// Pluggable LIFF SDK: the core plus only the APIs liff.js uses.
import liff from '@line/liff/core';
import IsInClientModule from '@line/liff/is-in-client';
import IsLoggedInModule from '@line/liff/is-logged-in';
import LoginModule from '@line/liff/login';
import LogoutModule from '@line/liff/logout';
import GetIDTokenModule from '@line/liff/get-id-token';
import CloseWindowModule from '@line/liff/close-window';

liff.use(new IsInClientModule());
liff.use(new IsLoggedInModule());
liff.use(new LoginModule());
liff.use(new LogoutModule());
liff.use(new GetIDTokenModule());
liff.use(new CloseWindowModule());

window.liff = liff;
