#include "solve_async.h"

#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "arguments.h"
#include "errors.h"

namespace lplb_addon {
namespace {

class SolveWorker : public Napi::AsyncWorker {
 public:
  SolveWorker(Napi::Env env, const WorkspaceConfig& config, const BatchArguments& args,
              const Napi::CallbackInfo& info)
      : Napi::AsyncWorker(env, "lplb:solveBatchAsync"), deferred_(Napi::Promise::Deferred::New(env)), config_(config) {
    lps_.batch = args.count;
    for (size_t k = 0; k < kBatchInputCount; k++) {
      const ArraySpan& span = args.inputs[k];
      inputs_[k].assign(static_cast<const double*>(span.data),
                        static_cast<const double*>(span.data) + span.bytes / sizeof(double));
    }
    lps_.c = Pointer(0);
    lps_.a_eq = Pointer(1);
    lps_.b_eq = Pointer(2);
    lps_.a_ub = Pointer(3);
    lps_.b_ub = Pointer(4);
    lps_.lower = Pointer(5);
    lps_.upper = Pointer(6);

    ArraySpan native_outputs[kBatchOutputCount];
    for (size_t o = 0; o < kBatchOutputCount; o++) {
      const ArraySpan& span = args.outputs[o];
      results_[o].resize(span.bytes);
      native_outputs[o] = ArraySpan{span.name, span.bytes > 0 ? results_[o].data() : nullptr, span.bytes};
      if (span.bytes > 0) {
        // Keeps the caller's output arrays alive until the results are copied into them.
        targets_[o] = Napi::Persistent(info[1 + 1 + kBatchInputCount + o].As<Napi::Object>());
      }
    }
    BindOutputs(native_outputs, &out_);
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      lplb_ipm_workspace* workspace = nullptr;
      error_ = lplb_ipm_workspace_create(&config_.shape, &config_.settings, &workspace);
      if (error_ == LPLB_OK) {
        error_ = lplb_ipm_solve_batch(workspace, &lps_, &out_);
        if (error_ != LPLB_OK) error_text_ = LastErrorText(error_);
        lplb_ipm_workspace_destroy(workspace);
      } else {
        error_text_ = LastErrorText(error_);
      }
    } catch (const std::bad_alloc&) {
      error_ = LPLB_ERR_OUT_OF_MEMORY;
      error_text_ = lplb_error_string(error_);
    } catch (...) {
      error_ = LPLB_ERR_INTERNAL;
      error_text_ = lplb_error_string(error_);
    }
  }

  // Runs on the main thread; a JavaScript exception here would be uncaught, so every failure
  // rejects the promise instead.
  void OnOK() override {
    const Napi::Env env = Env();
    try {
      if (error_ != LPLB_OK) {
        deferred_.Reject(NativeFailure(env, error_, error_text_).Value());
        return;
      }
      for (size_t o = 0; o < kBatchOutputCount; o++) {
        if (targets_[o].IsEmpty()) continue;
        const Napi::Value target = targets_[o].Value();
        napi_typedarray_type type;
        size_t length = 0;
        void* data = nullptr;
        if (napi_get_typedarray_info(env, target, &type, &length, &data, nullptr, nullptr) != napi_ok) {
          throw Napi::Error::New(env, "output array is no longer a typed array");
        }
        const size_t element_bytes = type == napi_int32_array ? sizeof(int32_t) : sizeof(double);
        if (data == nullptr || length * element_bytes != results_[o].size()) {
          throw Napi::Error::New(env, "an output array was detached or resized while the batch was solved");
        }
        std::memcpy(data, results_[o].data(), results_[o].size());
      }
      deferred_.Resolve(env.Undefined());
    } catch (const Napi::Error& error) {
      deferred_.Reject(error.Value());
    } catch (const std::exception& error) {
      deferred_.Reject(Napi::Error::New(env, error.what()).Value());
    }
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  const double* Pointer(size_t input) const { return inputs_[input].empty() ? nullptr : inputs_[input].data(); }

  Napi::Promise::Deferred deferred_;
  WorkspaceConfig config_;
  lplb_lp_batch lps_{};
  lplb_solution_batch out_{};
  std::vector<double> inputs_[kBatchInputCount];
  std::vector<uint8_t> results_[kBatchOutputCount];
  Napi::ObjectReference targets_[kBatchOutputCount];
  lplb_error error_ = LPLB_OK;
  std::string error_text_;
};

}  // namespace

Napi::Value SolveBatchAsync(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const WorkspaceConfig config = ParseWorkspaceConfig(info[0], "config");
  const BatchArguments args = ParseBatchArguments(info, 1, config.shape);
  std::unique_ptr<SolveWorker> worker;
  try {
    worker = std::make_unique<SolveWorker>(env, config, args, info);
  } catch (const std::bad_alloc&) {
    throw NativeFailure(env, LPLB_ERR_OUT_OF_MEMORY, "out of memory while copying the batch");
  }
  const Napi::Promise promise = worker->Promise();
  worker.release()->Queue();
  return promise;
}

}  // namespace lplb_addon
