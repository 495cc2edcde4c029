// Every function the addon gives JS, by the file that defines it; module.c registers them under
// the names of src/platform/native.ts's Native interface.
#ifndef TSINIT_EXPORTS_H
#define TSINIT_EXPORTS_H

#include <node_api.h>

// syscalls.c
napi_value SetChildSubreaper(napi_env env, napi_callback_info info);
napi_value SetParentDeathSignal(napi_env env, napi_callback_info info);
napi_value SetForegroundGroup(napi_env env, napi_callback_info info);
napi_value ReleaseTerminal(napi_env env, napi_callback_info info);
napi_value SignalDisposition(napi_env env, napi_callback_info info);
napi_value SetSignalIgnored(napi_env env, napi_callback_info info);
napi_value MemfdCreate(napi_env env, napi_callback_info info);
napi_value SetEnvironment(napi_env env, napi_callback_info info);
napi_value IsTerminal(napi_env env, napi_callback_info info);
napi_value Exit(napi_env env, napi_callback_info info);
napi_value ReleasePages(napi_env env, napi_callback_info info);
napi_value Execve(napi_env env, napi_callback_info info);
napi_value Kill(napi_env env, napi_callback_info info);
napi_value PidfdOpen(napi_env env, napi_callback_info info);
napi_value PidfdSendSignal(napi_env env, napi_callback_info info);
napi_value NothingLeft(napi_env env, napi_callback_info info);
napi_value StopSignal(napi_env env, napi_callback_info info);

// spawn.c
napi_value Spawn(napi_env env, napi_callback_info info);

// listen.c
napi_value ListenTcp(napi_env env, napi_callback_info info);
napi_value ListenUnix(napi_env env, napi_callback_info info);

// watch.c
napi_value CatchSignals(napi_env env, napi_callback_info info);
napi_value WatchSignals(napi_env env, napi_callback_info info);
napi_value TakeSignals(napi_env env, napi_callback_info info);
napi_value UnwatchSignals(napi_env env, napi_callback_info info);
napi_value TakeSignalsOnThread(napi_env env, napi_callback_info info);
napi_value ReapAll(napi_env env, napi_callback_info info);

// unowned.c
napi_value ReapUnowned(napi_env env, napi_callback_info info);
napi_value WatchOrphans(napi_env env, napi_callback_info info);
napi_value ReportOrphans(napi_env env, napi_callback_info info);

// fast-path.c
napi_value ArmFastPath(napi_env env, napi_callback_info info);
napi_value DisarmFastPath(napi_env env, napi_callback_info info);
napi_value TakeFastPathReport(napi_env env, napi_callback_info info);

#endif
