// Node-API argument conversion: every wrong argument becomes a TypeError naming it, every
// unexpected errno an Error whose `code` is its name.
#include "args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <uv.h>

#include "reaper.h"
#include "shared-state.h"

// After a failed Node-API call: throws its message unless an exception is already pending.
napi_value fail(napi_env env) {
  const napi_extended_error_info *info = NULL;
  char message[128] = "Node-API call failed";
  bool pending = false;
  if (napi_get_last_error_info(env, &info) == napi_ok && info != NULL && info->error_message != NULL)
    snprintf(message, sizeof message, "%s", info->error_message);
  if (napi_is_exception_pending(env, &pending) == napi_ok && !pending) napi_throw_error(env, NULL, message);
  return NULL;
}

// Throws an Error whose `code` is the errno name ("EPERM"), as Node does.
napi_value throw_errno(napi_env env, const char *syscall, int err) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", syscall, strerror(err));
  napi_throw_error(env, uv_err_name(-err), message);
  return NULL;
}

// Throws a TypeError "<what> must <must>": one wording for every argument.
napi_value throw_type_error(napi_env env, const char *what, const char *must) {
  char message[160];
  snprintf(message, sizeof message, "%s must %s", what, must);
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

// An int32 for JS.
napi_value make_int(napi_env env, int value) {
  napi_value result;
  CHECK(napi_create_int32(env, value, &result));
  return result;
}

// A boolean for JS.
napi_value make_bool(napi_env env, bool value) {
  napi_value result;
  CHECK(napi_get_boolean(env, value, &result));
  return result;
}

// "default", "ignore" or "handler", as sigaction reports the action.
napi_value make_disposition(napi_env env, const struct sigaction *action) {
  napi_value result;
  const char *name = action->sa_handler == SIG_DFL ? "default" : action->sa_handler == SIG_IGN ? "ignore" : "handler";
  CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &result));
  return result;
}

// One child's end for JS, as Native's Reaped: { pid, exitCode, signal, name? } (the name with
// `with_name`, when it was read). reapAll and reapUnowned both report through it.
napi_value make_reaped(napi_env env, const struct reaped_child *child, bool with_name) {
  napi_value entry, null, name;
  CHECK(napi_create_object(env, &entry));
  CHECK(napi_get_null(env, &null));
  CHECK(napi_set_named_property(env, entry, "pid", make_int(env, child->pid)));
  CHECK(napi_set_named_property(env, entry, "exitCode", WIFEXITED(child->status) ? make_int(env, WEXITSTATUS(child->status)) : null));
  CHECK(napi_set_named_property(env, entry, "signal", WIFSIGNALED(child->status) ? make_int(env, WTERMSIG(child->status)) : null));
  if (with_name && child->name[0] != '\0') {
    CHECK(napi_create_string_utf8(env, child->name, NAPI_AUTO_LENGTH, &name));
    CHECK(napi_set_named_property(env, entry, "name", name));
  }
  return entry;
}

// The first `want` arguments, or false with a TypeError when fewer came.
bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return fail(env), false;
  if (argc < want) return napi_throw_type_error(env, NULL, "too few arguments"), false;
  return true;
}

// A JS number that is an integer from min to max (both within 2**53), or false with a TypeError
// naming `what` (NaN, 1.5, "3" or 2**40 would otherwise become some other integer).
bool get_integer(napi_env env, napi_value value, const char *what, double min, double max, double *out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number || napi_get_value_double(env, value, out) != napi_ok ||
      !(*out >= min && *out <= max) || *out != (double)(int64_t)*out) {
    char must[96];
    snprintf(must, sizeof must, "be an integer from %.0f to %.0f", min, max);
    return throw_type_error(env, what, must), false;
  }
  return true;
}

// get_integer for an int32 (kill(NaN) would be kill(0)).
bool get_int(napi_env env, napi_value value, const char *what, double min, double max, int32_t *out) {
  double number;
  if (!get_integer(env, value, what, min, max, &number)) return false;
  *out = (int32_t)number;
  return true;
}

// A JS boolean, or false with a TypeError naming `what`.
bool get_bool(napi_env env, napi_value value, const char *what, bool *out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_boolean || napi_get_value_bool(env, value, out) != napi_ok)
    return throw_type_error(env, what, "be a boolean"), false;
  return true;
}

// An array of min_length to max_length integers from min to max into out[]: false with a
// TypeError naming `what` for anything else (a hole is undefined, no integer).
bool get_int_array(napi_env env, napi_value array, const char *what, uint32_t min_length, uint32_t max_length, double min, double max,
                   int32_t *out, uint32_t *length) {
  bool is_array = false;
  char must[96];
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array || napi_get_array_length(env, array, length) != napi_ok ||
      *length < min_length || *length > max_length) {
    if (min_length == max_length) snprintf(must, sizeof must, "be an array of %u integers", max_length);
    else snprintf(must, sizeof must, "be an array of at most %u integers", max_length);
    return throw_type_error(env, what, must), false;
  }
  for (uint32_t i = 0; i < *length; i++) {
    napi_value element;
    if (napi_get_element(env, array, i, &element) != napi_ok) return fail(env), false;
    if (!get_int(env, element, what, min, max, &out[i])) return false;
  }
  return true;
}

// An array of signal numbers (1 to 64) as a mask of SIGNAL_BITs.
bool get_signal_mask(napi_env env, napi_value array, const char *what, uint64_t *mask) {
  int32_t signals[NSIG - 1];
  uint32_t count;
  if (!get_int_array(env, array, what, 0, NSIG - 1, 1, NSIG - 1, signals, &count)) return false;
  *mask = 0;
  for (uint32_t i = 0; i < count; i++) *mask |= SIGNAL_BIT(signals[i]);
  return true;
}

// object[key], undefined when absent; false with a TypeError when `object` is no object.
bool get_property(napi_env env, napi_value object, const char *what, const char *key, napi_value *value) {
  napi_valuetype type;
  if (napi_typeof(env, object, &type) != napi_ok || type != napi_object) return throw_type_error(env, what, "be an object"), false;
  if (napi_get_named_property(env, object, key, value) != napi_ok) return fail(env), false;
  return true;
}

// A string (UTF-8) or a Buffer (its bytes exactly, as the command line gave them) as a malloc'ed
// C string; NULL for anything else or an inner NUL.
char *get_c_string(napi_env env, napi_value value) {
  napi_valuetype type;
  bool is_buffer = false;
  char *bytes, *copy;
  size_t length;
  if (napi_typeof(env, value, &type) != napi_ok) return NULL;
  if (type == napi_string) {
    if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok || (copy = malloc(length + 1)) == NULL) return NULL;
    if (napi_get_value_string_utf8(env, value, copy, length + 1, &length) != napi_ok || strlen(copy) != length) {
      free(copy);
      return NULL;
    }
    return copy;
  }
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer || napi_get_buffer_info(env, value, (void **)&bytes, &length) != napi_ok ||
      memchr(bytes, 0, length) != NULL || (copy = malloc(length + 1)) == NULL)
    return NULL;
  memcpy(copy, bytes, length);
  copy[length] = '\0';
  return copy;
}

// A JS array of strings or Buffers as a NULL-terminated char **, or NULL (all freed) when it is
// no array or an element is neither.
char **get_string_array(napi_env env, napi_value array) {
  uint32_t count;
  bool is_array = false;
  char **strings;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array || napi_get_array_length(env, array, &count) != napi_ok ||
      count >= UINT32_MAX / sizeof *strings)
    return NULL;
  if ((strings = calloc((size_t)count + 1, sizeof *strings)) == NULL) return NULL;
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    if (napi_get_element(env, array, i, &element) != napi_ok || (strings[i] = get_c_string(env, element)) == NULL) {
      free_string_array(strings);
      return NULL;
    }
  }
  return strings;
}

// Frees what get_string_array made (NULL included).
void free_string_array(char **strings) {
  for (char **s = strings; s != NULL && *s != NULL; s++) free(*s);
  free(strings);
}
