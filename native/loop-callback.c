// The calls into JS that the addon makes from libuv callbacks: see loop-callback.h.
#include "loop-callback.h"

#include "args.h"

bool is_function(napi_env env, napi_value value, const char *what) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) == napi_ok && type == napi_function) return true;
  throw_type_error(env, what, "be a function");
  return false;
}

bool keep_loop_callback(napi_env env, napi_value function, const char *resource, struct loop_callback *kept) {
  napi_value name;
  if (napi_create_string_utf8(env, resource, NAPI_AUTO_LENGTH, &name) != napi_ok) return fail(env), false;
  if (napi_create_reference(env, function, 1, &kept->function) != napi_ok) return fail(env), false;
  if (napi_async_init(env, NULL, name, &kept->context) != napi_ok) {
    napi_delete_reference(env, kept->function);
    return fail(env), false;
  }
  kept->env = env;
  return true;
}

void call_loop_callback(const struct loop_callback *callback, napi_value (*make_argument)(napi_env env)) {
  napi_env env = callback->env;
  napi_handle_scope scope;
  napi_value function, receiver, argument = NULL, result;
  napi_open_handle_scope(env, &scope);
  if (make_argument == NULL || (argument = make_argument(env)) != NULL) {
    napi_get_reference_value(env, callback->function, &function);
    napi_get_global(env, &receiver);
    if (napi_make_callback(env, callback->context, receiver, function, argument == NULL ? 0 : 1, &argument, &result) == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

void drop_loop_callback(struct loop_callback *callback) {
  if (callback->env == NULL) return;
  napi_delete_reference(callback->env, callback->function);
  napi_async_destroy(callback->env, callback->context);
  callback->env = NULL;
}
