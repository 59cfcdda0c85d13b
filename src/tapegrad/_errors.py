"""Every torch-parity error and warning text, in one place (torch's wording, first line)."""

from __future__ import annotations

BACKWARD_TWICE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)
NO_GRAD_FN = "element {index} of tensors does not require grad and does not have a grad_fn"
IMPLICIT_NON_SCALAR = "grad can be implicitly created only for scalar outputs"
IMPLICIT_NON_REAL = "grad can be implicitly created only for real scalar outputs but got {dtype}"
LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
# torch has three texts for one rule: factories (`requires_grad=True`), the `requires_grad`
# setter, and `requires_grad_()` each raise from a different place with different wording.
ONLY_FLOAT_REQUIRES_GRAD = "Only Tensors of floating point and complex dtype can require gradients"
ONLY_FLOAT_REQUIRES_GRAD_SETTER = (
    "only Tensors of floating point and complex dtype can require gradients")
ONLY_FLOAT_REQUIRES_GRAD_METHOD = "only Tensors of floating point dtype can require gradients"
NON_LEAF_REQUIRES_GRAD = (
    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
)
TENSORS_GRADIENTS_COUNT = "got {n_tensors} tensors and {n_grads} gradients"
EMPTY_INPUTS = "`inputs` argument to `{fn}()` cannot be empty."
INPUT_NOT_REQUIRES_GRAD = "One of the differentiated Tensors does not require grad"
UNUSED_INPUT = (
    "The differentiated Tensor at index {index} appears to not have been used in the graph. "
    "Set allow_unused=True if this is the desired behavior."
)
MATERIALIZE_WITHOUT_UNUSED = (
    "Expected allow_unused to be True or not passed when materialize_grads=True, "
    "but got: allow_unused=False."
)
GRAD_SHAPE_MISMATCH = (
    "Mismatch in shape: grad_output[{index}] has a shape of {grad_shape} and "
    "output[{out_index}] has a shape of {out_shape}."
)
GRAD_DTYPE_MISMATCH = (
    "For complex Tensors, both grad_output and output are required to have the same dtype. "
    "Mismatch in dtype: grad_output[{index}] has a dtype of {grad_dtype} and "
    "output[{out_index}] has a dtype of {out_dtype}."
)
INVALID_GRADIENT_SHAPE = (
    "Function {node} returned an invalid gradient at index {index} - got {got} but expected "
    "shape compatible with {expected}"
)
VERSION_MISMATCH = (
    "one of the variables needed for gradient computation has been modified by an inplace "
    "operation: [{type_desc} {shape}]{output_desc}, which is output {output_nr} of {node}, "
    "is at version {current}; expected version {saved} instead. Hint: enable anomaly "
    "detection to find the operation that failed to compute its gradient, with "
    "torch.autograd.set_detect_anomaly(True, check_nan=False)."
)
VERSION_MISMATCH_LEAF = (
    "one of the variables needed for gradient computation has been modified by an inplace "
    "operation: [{type_desc} {shape}] is at version {current}; expected version {saved} "
    "instead. Hint: enable anomaly detection to find the operation that failed to compute "
    "its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
)
NON_LEAF_GRAD_ACCESS = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)
ASSIGN_GRAD_NOT_TENSOR = (
    "assigned grad expected to be a Tensor or None but got grad of type {type_name}")
ASSIGN_GRAD_DTYPE = (
    "attempting to assign a gradient with dtype '{grad_dtype}' to a tensor with grad_dtype "
    "'{dtype}'. The gradient must match the tensor's grad_dtype (defaults to the tensor's "
    "dtype). You can set the tensor's grad_dtype attribute with a specific dtype, or None to "
    "allow any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and its "
    "gradient may break downstream systems that assume they match."
)
ASSIGN_GRAD_SIZE = (
    "attempting to assign a gradient of size '{grad_size}' to a tensor of size '{size}'. "
    "Please ensure that the gradient and the tensor are the same size"
)
POST_ACCUMULATE_HOOK_RETURNED = "Tensor post accumulate grad hooks should return None."
RETAIN_GRAD_NO_GRAD = "can't retain_grad on Tensor that has requires_grad=False"
ITEM_NUMEL = "a Tensor with {numel} elements cannot be converted to Scalar"
NUMPY_REQUIRES_GRAD = (
    "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
)
CREATE_GRAPH_BACKWARD = (
    "Using backward() with create_graph=True will create a reference cycle between the "
    "parameter and its gradient which can cause a memory leak. We recommend using "
    "autograd.grad when creating the graph to avoid this. If you have to use this function, "
    "make sure to reset the .grad fields of your parameters to None after use to break the "
    "cycle and avoid the leak."
)
TENSOR_RAGGED = "expected sequence of length {length} at dim {dim} (got {got})"
TENSOR_NOT_A_SEQUENCE = "not a sequence"
TENSOR_STR_DATA = "too many dimensions '{type_name}'"
TENSOR_INFER_DTYPE = "Could not infer dtype of {type_name}"
DIM_OUT_OF_RANGE = (
    "Dimension out of range (expected to be in range of [{low}, {high}], but got {dim})")
DIM_OF_ZERO_DIM = "Dimension specified as {dim} but tensor has no dimensions"
TENSOR_TOO_MANY_ARGS = "tensor() takes 1 positional argument but {n} were given"
TENSOR_NO_DATA = 'tensor() missing 1 required positional arguments: "data"'
VIEW_OF_LEAF_INPLACE = (
    "a view of a leaf Variable that requires grad is being used in an in-place operation."
)
INPLACE_OVERLAP = (
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation."
)
INPLACE_NO_GRAD_VIEW = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
    "your code by moving both the view and the inplace either both inside the no_grad block "
    "(if you don't want the inplace to be tracked) or both outside (if you want the inplace "
    "to be tracked)."
)
# A view returned by a custom Function (torch's CreationMeta::IN_CUSTOM_FUNCTION); `how` is
# "is being modified inplace." or, when its base was written (indirect), the other wording.
CUSTOM_FUNCTION_VIEW_INPLACE = (
    "Output {index} of {name} is a view and {how} This view was created inside a custom "
    "Function (or because an input was returned as-is) and the autograd logic to handle "
    "view+inplace would override the custom backward associated with the custom Function, "
    "leading to incorrect gradients. This behavior is forbidden. You can fix this by cloning "
    "the output of the custom Function."
)
CUSTOM_VIEW_DIRECT = "is being modified inplace."
CUSTOM_VIEW_INDIRECT = "its base or another view of its base has been modified inplace."

MULTI_OUTPUT_VIEW_INPLACE = (
    "Output {index} of {name} is a view and is being modified inplace. This view is the output "
    "of a function that returns multiple views. Such functions do not allow the output views "
    "to be modified inplace. You should replace the inplace operation by an out-of-place one."
)
