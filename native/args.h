// Node-API argument conversion: every wrong argument becomes a TypeError naming it.
#ifndef TSINIT_ARGS_H
#define TSINIT_ARGS_H

#include <node_api.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

// Every failure leaves an exception pending: JS never gets a silent `undefined`.
#define CHECK(call)                                                                                                    \
  do {                                                                                                                 \
    if ((call) != napi_ok) return fail(env);                                                                           \
  } while (0)

#define INT_MIN_D -2147483648.0
#define INT_MAX_D 2147483647.0
// An address or a size: user space is 2**47 or 2**48, well within a double's exact integers.
#define ADDRESS_MAX_D 9007199254740992.0

napi_value fail(napi_env env);
napi_value throw_errno(napi_env env, const char *syscall, int err);
napi_value throw_type_error(napi_env env, const char *what, const char *must);
napi_value make_int(napi_env env, int value);
napi_value make_bool(napi_env env, bool value);
napi_value make_disposition(napi_env env, const struct sigaction *action);
struct reaped_child;
napi_value make_reaped(napi_env env, const struct reaped_child *child, bool with_name);
bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv);
bool get_integer(napi_env env, napi_value value, const char *what, double min, double max, double *out);
bool get_int(napi_env env, napi_value value, const char *what, double min, double max, int32_t *out);
bool get_bool(napi_env env, napi_value value, const char *what, bool *out);
bool get_int_array(napi_env env, napi_value array, const char *what, uint32_t min_length, uint32_t max_length, double min, double max,
                   int32_t *out, uint32_t *length);
bool get_signal_mask(napi_env env, napi_value array, const char *what, uint64_t *mask);
bool get_property(napi_env env, napi_value object, const char *what, const char *key, napi_value *value);
char *get_c_string(napi_env env, napi_value value);
char **get_string_array(napi_env env, napi_value array);
void free_string_array(char **strings);

#endif
