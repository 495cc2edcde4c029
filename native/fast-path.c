// The Node-API side of the fast path: a plan from JS into the tables the handler applies, its end,
// and what it did.
#include <string.h>

#include "args.h"
#include "exports.h"
#include "loop-side.h"

// plan[key] as a boolean, or false with a TypeError.
static bool get_flag(napi_env env, napi_value object, const char *key, bool *out) {
  napi_value value;
  return get_property(env, object, "the plan", key, &value) && get_bool(env, value, key, out);
}

// plan[key] as exactly `length` integers from min to max, or false with a TypeError.
static bool get_table(napi_env env, napi_value object, const char *key, uint32_t length, double min, double max, int32_t *out) {
  napi_value value;
  uint32_t got;
  return get_property(env, object, "the plan", key, &value) && get_int_array(env, value, key, length, length, min, max, out, &got);
}

// plan.exit: absent, or { exitCodes[256], signalCodes[65], always }.
static bool get_exit(napi_env env, napi_value object, struct fast_path_plan *plan) {
  napi_value exit;
  napi_valuetype type;
  int32_t exit_codes[256], signal_codes[NSIG];
  if (!get_property(env, object, "the plan", "exit", &exit) || napi_typeof(env, exit, &type) != napi_ok) return false;
  plan->exit = type != napi_undefined;
  if (!plan->exit) return true;
  if (!get_table(env, exit, "exitCodes", 256, 0, 255, exit_codes) || !get_table(env, exit, "signalCodes", NSIG, 0, 255, signal_codes) ||
      !get_flag(env, exit, "always", &plan->exit_always))
    return false;
  for (int i = 0; i < 256; i++) plan->exit_codes[i] = (unsigned char)exit_codes[i];
  for (int i = 0; i < NSIG; i++) plan->signal_codes[i] = (unsigned char)signal_codes[i];
  return true;
}

// The whole plan, checked before anything changes. Targets start at 2: kill(-1) is every process.
static bool get_plan(napi_env env, napi_value object, struct fast_path_plan *plan) {
  napi_value targets;
  int32_t pids[MAX_TARGETS], forward_as[NSIG];
  struct plan_tables *tables = &plan->tables;
  if (!get_property(env, object, "the plan", "targets", &targets) ||
      !get_int_array(env, targets, "targets", 0, MAX_TARGETS, 2, INT_MAX_D, pids, &tables->target_count) ||
      !get_flag(env, object, "group", &tables->group) || !get_table(env, object, "forwardAs", NSIG, -1, NSIG - 1, forward_as) ||
      !get_flag(env, object, "reapOrphans", &plan->reap_orphans) || !get_flag(env, object, "report", &tables->report) ||
      !get_exit(env, object, plan))
    return false;
  for (uint32_t i = 0; i < tables->target_count; i++) tables->targets[i] = pids[i];
  for (int i = 0; i < NSIG; i++) tables->forward_as[i] = forward_as[i];
  return true;
}

// armFastPath(plan): the handler applies `plan` from now on; the old one is waited out first.
napi_value ArmFastPath(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct fast_path_plan plan;
  memset(&plan, 0, sizeof plan);
  if (!get_args(env, info, 1, argv) || !get_plan(env, argv[0], &plan)) return NULL;
  arm_plan(&plan);
  return NULL;
}

// disarmFastPath(): every signal and every exit comes to JS again, once this returns.
napi_value DisarmFastPath(napi_env env, napi_callback_info info) {
  disarm_plan();
  return NULL;
}

// takeFastPathReport(): [{ signal, forwarded, failed, errno }] per received signal since the
// last call, for those with any.
napi_value TakeFastPathReport(napi_env env, napi_callback_info info) {
  napi_value list;
  uint32_t length = 0;
  struct forward_report report;
  CHECK(napi_create_array(env, &list));
  for (int signum = 1; signum < NSIG; signum++) {
    napi_value entry;
    if (!take_report(signum, &report)) continue;
    CHECK(napi_create_object(env, &entry));
    CHECK(napi_set_named_property(env, entry, "signal", make_int(env, signum)));
    CHECK(napi_set_named_property(env, entry, "forwarded", make_int(env, (int)report.forwarded)));
    CHECK(napi_set_named_property(env, entry, "failed", make_int(env, (int)report.failed)));
    CHECK(napi_set_named_property(env, entry, "errno", make_int(env, report.last_errno)));
    CHECK(napi_set_element(env, list, length++, entry));
  }
  return list;
}
