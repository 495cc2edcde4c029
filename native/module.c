// The addon's registration: every function under its name in src/platform/native.ts's Native.
#include "args.h"
#include "exports.h"

#define FUNCTION(name, function) {name, NULL, function, NULL, NULL, NULL, napi_default, NULL}

// Node's module init: the exports object gets the functions.
static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor functions[] = {
      FUNCTION("setChildSubreaper", SetChildSubreaper),
      FUNCTION("setParentDeathSignal", SetParentDeathSignal),
      FUNCTION("setForegroundGroup", SetForegroundGroup),
      FUNCTION("releaseTerminal", ReleaseTerminal),
      FUNCTION("signalDisposition", SignalDisposition),
      FUNCTION("setSignalIgnored", SetSignalIgnored),
      FUNCTION("memfdCreate", MemfdCreate),
      FUNCTION("isTerminal", IsTerminal),
      FUNCTION("setEnvironment", SetEnvironment),
      FUNCTION("exit", Exit),
      FUNCTION("execve", Execve),
      FUNCTION("kill", Kill),
      FUNCTION("pidfdOpen", PidfdOpen),
      FUNCTION("pidfdSendSignal", PidfdSendSignal),
      FUNCTION("nothingLeft", NothingLeft),
      FUNCTION("reapAll", ReapAll),
      FUNCTION("reapUnowned", ReapUnowned),
      FUNCTION("watchOrphans", WatchOrphans),
      FUNCTION("reportOrphans", ReportOrphans),
      FUNCTION("stopSignal", StopSignal),
      FUNCTION("catchSignals", CatchSignals),
      FUNCTION("watchSignals", WatchSignals),
      FUNCTION("takeSignals", TakeSignals),
      FUNCTION("unwatchSignals", UnwatchSignals),
      FUNCTION("takeSignalsOnThread", TakeSignalsOnThread),
      FUNCTION("armFastPath", ArmFastPath),
      FUNCTION("disarmFastPath", DisarmFastPath),
      FUNCTION("takeFastPathReport", TakeFastPathReport),
      FUNCTION("listenTcp", ListenTcp),
      FUNCTION("listenUnix", ListenUnix),
      FUNCTION("releasePages", ReleasePages),
      FUNCTION("spawn", Spawn),
  };
  CHECK(napi_define_properties(env, exports, sizeof functions / sizeof *functions, functions));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
