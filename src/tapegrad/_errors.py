"""Every torch-parity error and warning text, in one place (torch's wording, first line)."""

from __future__ import annotations

BACKWARD_TWICE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)
# (torch's text has no space after the first sentence.)
SAVED_DETACHED_INPLACE = (
    "Trying to use a saved tensor that has been detached in-place, i.e. with .detach_()."
    "This is not supported, please use out-of-place `.detach()` instead")
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
PARTIAL_OVERLAP = (
    "unsupported operation: some elements of the input tensor and the written-to tensor refer "
    "to a single memory location. Please clone() the tensor before performing the operation.")
NO_GRAD_FN_VIEW_INPLACE = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled.")
NO_GRAD_VIEW_SUFFIX = (
    " Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
    "your code by moving both the view and the inplace either both inside the no_grad block "
    "(if you don't want the inplace to be tracked) or both outside (if you want the inplace "
    "to be tracked)."
)
MULTI_OUTPUT_SUFFIX = (
    " This view is the output of a function that returns multiple views. Such functions do "
    "not allow the output views to be modified inplace. You should replace the inplace "
    "operation by an out-of-place one."
)
INPLACE_NO_GRAD_VIEW = NO_GRAD_FN_VIEW_INPLACE + NO_GRAD_VIEW_SUFFIX
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
    "Output {index} of {name} is a view and is being modified inplace." + MULTI_OUTPUT_SUFFIX)

# ---------------------------------------------------------------------- argument checks
DIM_NOT_INT = "dim must be an int, not {type_name}"
DIM_REPEATED = "dim {dim} appears multiple times in the list of dims"
SIZE_NOT_INT = "size must be tuple of ints, but found element of type {type_name}"
ONLY_ONE_INFERRED = "only one dimension can be inferred"
INVALID_SHAPE_DIM = "invalid shape dimension {size} at index {index} of shape {shape}"
INFER_WITH_ZERO = ("cannot reshape tensor of 0 elements into shape {shape} because the "
                   "unspecified dimension size -1 can be any value and is ambiguous")
SHAPE_INVALID_FOR_SIZE = "shape '{shape}' is invalid for input of size {numel}"
# torch's TensorIterator shape error (infer_size of the shape so far with each operand).
BROADCAST = ("The size of tensor a ({a}) must match the size of tensor b ({b}) at "
             "non-singleton dimension {dim}")

# ---------------------------------------------------------------------- inference tensors
INFERENCE_SAVE = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in "
    "inference mode in computation tracked by autograd. To work around this, you can make a "
    "clone to get a normal tensor and use it in autograd, or use `torch.no_grad()` instead of "
    "`torch.inference_mode()`."
)
INFERENCE_VERSION = "Inference tensors do not track version counter."
INFERENCE_INPLACE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
    "clone to get a normal tensor before doing inplace update.See "
    "https://github.com/pytorch/rfcs/pull/17 for more details."
)
INFERENCE_REQUIRES_GRAD = (
    "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.")
GRADIENT_EDGE_NO_GRAD = ("It is not possible to get the gradient edge for a Tensor that does "
                         "not require gradients")
ARGUMENT_NOT_TENSOR = "{name}(): argument '{arg}' (position {position}) must be Tensor, not {type_name}"
INTEGER_NEGATIVE_POWER = "Integers to negative integer powers are not allowed."
DIV_ROUNDING_MODE = ("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                     "found '{mode}'")
CLAMP_NO_BOUNDS = "torch.clamp: At least one of 'min' or 'max' must not be None"
RESULT_TYPE_CAST = "result type {src} can't be cast to the desired output type {dst}"

# ---------------------------------------------------------------------- shape ops
CAT_EMPTY = "torch.cat(): expected a non-empty list of Tensors"
CAT_SIZES = ("Sizes of tensors must match except in dimension {dim}. Expected size {expected} "
             "but got size {got} for tensor number {index} in the list.")
CAT_NDIM = "Tensors must have same number of dimensions: got {a} and {b}"
CAT_ZERO_DIM = "zero-dimensional tensor (at position {index}) cannot be concatenated"
STACK_EMPTY = "stack expects a non-empty TensorList"
STACK_SIZES = ("stack expects each tensor to be equal size, but got {a} at entry 0 and {b} at "
               "entry {index}")
EXPAND_SIZE = ("The expanded size of the tensor ({size}) must match the existing size "
               "({existing}) at non-singleton dimension {dim}.  Target sizes: {target}.  "
               "Tensor sizes: {sizes}")
EXPAND_FEW = ("expand({type}{{{sizes}}}, size={target}): the number of sizes provided ({n}) "
              "must be greater or equal to the number of dimensions in the tensor ({ndim})")
EXPAND_LEADING = ("The expanded size of the tensor ({size}) isn't allowed in a leading, "
                  "non-existing dimension {dim}")
PERMUTE_DUPLICATE = "permute(): duplicate dims are not allowed."
PERMUTE_LENGTH = ("permute(sparse_coo): number of dimensions in the tensor input does not match "
                  "the length of the desired ordering of dimensions i.e. input.dim() = {ndim} "
                  "is not equal to len(dims) = {n}")
SELECT_ZERO_DIM = "select() cannot be applied to a 0-dim tensor."
SELECT_INDEX = ("select(): index {index} out of range for tensor of size {sizes} at dimension "
                "{dim}")
NARROW_EXCEEDS = "start ({start}) + length ({length}) exceeds dimension size ({size})."
NARROW_NEGATIVE = "narrow(): length must be non-negative."
NARROW_START = "start out of range (expected to be in range of [{low}, {high}], but got {start})"
NARROW_ZERO_DIM = "narrow() cannot be applied to a 0-dim tensor."
CHUNK_COUNT = "chunk expects `chunks` to be greater than 0, got: {chunks}"
CHUNK_ZERO_DIM = "chunk expects at least a 1-dimensional tensor"
SPLIT_ZERO = "split_size can only be 0 if dimension size is 0, but got dimension size of {size}"
SPLIT_NEGATIVE = "split expects split_size be non-negative, but got split_size={size}"
SPLIT_ZERO_DIM = "split expects at least a 1-dimensional tensor"
SPLIT_SIZES_SUM = ("split_with_sizes expects split_sizes to sum exactly to {size} (input "
                   "tensor's size at dimension {dim}), but got split_sizes={sizes}")
SPLIT_SIZES_NEGATIVE = ("split_with_sizes expects split_sizes have only non-negative entries, "
                        "but got split_sizes={sizes}")
REPEAT_DIMS = ("Number of dimensions of repeat dims can not be smaller than number of "
               "dimensions of tensor")
NEGATIVE_DIMENSION = "Trying to create tensor with negative dimension {size}: {sizes}"
FLATTEN_ORDER = "flatten() has invalid args: start_dim cannot come after end_dim"
UNFLATTEN_SIZES = ("unflatten: Provided sizes {sizes} don't multiply up to the size of dim {dim} "
                   "({size}) in the input tensor")
DIAG_DIMS = "diag(): Supports 1D or 2D tensors. Got {ndim}D"
DIAGONAL_SAME_DIMS = "diagonal dimensions cannot be identical {dim1}, {dim2}"
TRACE_NOT_MATRIX = "trace: expected a matrix, but got tensor with dim {ndim}"
TRIANGLE_DIMS = "{name}: input tensor must have at least 2 dimensions"
MOVEDIM_REPEATED = "movedim: repeated dim in `{which}` ({dims})"
MOVEDIM_LENGTH = ("movedim: Invalid source or destination dims: source ({source} dims) should "
                  "contain the same number of dims as destination ({destination} dims)")
ROLL_ALIGN = "shifts and dimensions must align. shifts: {shifts}, dims:{dims}"
T_DIMS = "t() expects a tensor with <= 2 dimensions, but self is {ndim}D"
PAD_ODD = "Padding length must be divisible by 2"
PAD_TOO_LONG = ("Padding length should be less than or equal to two times the input dimension "
                "but got padding length {n} and input of dimension {ndim}")
PAD_REFLECT_SIZE = ("Argument #4: Padding size should be less than the corresponding input "
                    "dimension, but got: padding ({left}, {right}) at dimension {dim} of input "
                    "{sizes}")
UNBIND_ZERO_DIM = DIM_OF_ZERO_DIM
UNFLATTEN_EMPTY = "unflatten: sizes must be non-empty"

# ---------------------------------------------------------------------- indexing
GATHER_INDEX_DTYPE = "{name}(): Expected dtype int32/int64 for index"
SCATTER_SRC_DTYPE = "scatter(): Expected self.dtype to be equal to src.dtype"
INDEX_NDIM = "Index tensor must have the same number of dimensions as {what} tensor"
GATHER_INDEX_SIZE = ("Size does not match at dimension {bad} expected index {index} to be no "
                     "larger than self {self} apart from dimension {dim}")
SCATTER_INDEX_SIZE = ("Expected index {index} to be no larger than self {self} apart from "
                      "dimension {dim}")
SCATTER_INDEX_SIZE_SRC = ("Expected index {index} to be no larger than self {self} apart from "
                          "dimension {dim} and to be no larger size than src {src}")
INDEX_OUT_OF_BOUNDS = "index {index} is out of bounds for dimension {dim} with size {size}"
INDEX_OUT_OF_RANGE_SELF = "index out of range in self"
INDEX_SELECT_VECTOR = "index_select(): Index is supposed to be a vector"
INDEX_SELECT_DTYPE = "index_select(): Expected dtype int32 or int64 for index"
INDEX_ADD_COUNT = ("index_add_(): Number of indices ({n}) should be equal to source.size(dim): "
                   "({got}), for dim: {dim}")
INDEX_ADD_DTYPE = "index_add_(): Expected dtype int32/int64 for index but got: {dtype}"
INDEX_TENSOR_DTYPE = "tensors used as indices must be long, int, byte or bool tensors"
MASK_SHAPE = ("The shape of the mask {mask} at index {index} does not match the shape of the "
              "indexed tensor {shape} at index {dim}")
SLICE_ZERO_DIM = "slice() cannot be applied to a 0-dim tensor."
SLICE_STEP = "step must be greater than zero"
INDEX_ZERO_DIM = ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                  "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
TOO_MANY_INDICES = "too many indices for tensor of dimension {ndim}"
MASKED_SELECT_MASK = "masked_select: expected BoolTensor for mask"
MASKED_FILL_MASK = "masked_fill_ only supports boolean masks, but got mask with dtype {dtype}"
WHERE_CONDITION = ("where expected condition to be a boolean tensor, but got a tensor with "
                   "dtype {dtype}")
ONE_HOT_DTYPE = "one_hot is only applicable to index tensor of type LongTensor."
ONE_HOT_NEGATIVE = "Class values must be non-negative."
ONE_HOT_TOO_LARGE = "Class values must be smaller than num_classes."
TOPK_RANGE = "selected index k out of range"

# ---------------------------------------------------------------------- reductions
MEAN_DTYPE = ("mean(): could not infer output dtype. {which} dtype must be either a floating "
              "point or complex dtype. Got: {dtype}")
PROD_DIM_TUPLE = ("prod() received an invalid combination of arguments - got ({type_name}), but "
                  "expected one of:")
REDUCTION_EMPTY_NO_DIM = ("{name}(): Expected reduction dim to be specified for input.numel() == "
                          "0. Specify the reduction dim with the 'dim' argument.")
REDUCTION_EMPTY_DIM = "{name}(): Expected reduction dim {dim} to have non-zero size."
ARG_DIM_TUPLE = "{name}(): argument 'dim' (position 1) must be int, not tuple"
ARG_EMPTY = "{name}(): Expected reduction dim to be specified for input.numel() == 0."
STD_VAR_DTYPE = "std and var only support floating point and complex dtypes"
VECTOR_NORM_DTYPE = ("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                     "Got {dtype}")
NORM_DTYPE_KIND = "{name}: dtype should be floating point or complex, but got {dtype}"
NORM_DTYPE_NARROWING = ("{name}: the dtype of the input ({input}) should be convertible without "
                        "narrowing to the specified dtype ({dtype})")
LINALG_NORM_NO_DIM = ("linalg.norm: If dim is not specified but ord is, the input must be 1D or "
                      "2D. Got {ndim}D.")
SVD_DRIVER = ("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
              "cuSOLVER backend.")
MATRIX_NORM_DIM_TUPLE = "linalg.matrix_norm: dim must be a 2-tuple. Got {dims}"
LINALG_NORM_DIM_LEN = "linalg.norm: If dim is specified, it must be of length 1 or 2. Got {dim}"

# ---------------------------------------------------------------------- matrix products
MM_DTYPE = "expected m1 and m2 to have the same dtype, but got: {a} != {b}"
MM_NOT_MATRIX = "{name} must be a matrix"
MM_SHAPES = "mat1 and mat2 shapes cannot be multiplied ({a0}x{a1} and {b0}x{b1})"
BMM_NOT_3D = "{name} must be a 3D tensor"
BMM_DTYPE = "expected scalar type {a} but found {b}"
BMM_SIZES = ("Expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] but got: "
             "[{b2}, {k2}].")
MV_DTYPE = "addmv input tensors must have the same dtype, but got {vec}, {mat}, and {vec}"
MV_SHAPES = "size mismatch, got input ({n}), mat ({n}x{m}), vec ({k})"
MV_NOT = "vector + matrix @ vector expected, got {a}, {b}, {c}"
DOT_DIMS = "1D tensors expected, but got {a}D and {b}D tensors"
DOT_DTYPE = "dot : expected both vectors to have same dtype, but found {a} and {b}"
DOT_SIZES = ("inconsistent tensor size, expected tensor [{a}] and src [{b}] to have the same "
             "number of elements, but got {a} and {b} elements respectively")
MATMUL_0D = "both arguments to matmul need to be at least 1D, but they are {a}D and {b}D"
OUTER_DIMS = "outer: Expected 1-D argument {name}, but got {ndim}-D"
INPLACE_DERIVATIVE = "the derivative for 'inplace version of {name}' is not implemented."
DERIVATIVE_NOT_IMPLEMENTED = "derivative for aten::{name} is not implemented"
INDEX_PUT_DTYPE = ("Index put requires the source and destination dtypes match, got {dst} for "
                   "the destination and {src} for the source.")
INVALID_ARGUMENTS = ("{name}() received an invalid combination of arguments - got ({types}), "
                     "but expected one of:")
NOT_IMPLEMENTED_FOR = "\"{kernel}\" not implemented for '{dtype}'"

# ---------------------------------------------------------------------- linalg
LINALG_NDIM = "linalg.{name}: The input tensor A must have at least 2 dimensions."
LINALG_SQUARE = "linalg.{name}: A must be batches of square matrices, but they are {m} by {n} matrices"
LINALG_SOLVE_SHAPES = ("linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                       "({a0}x{a1} and {b0}x{b1})")
LINALG_SINGULAR = ("linalg.inv: The diagonal element {index} is zero, the inversion could not be "
                   "completed because the input matrix is singular.")
LINALG_NOT_PD = ("linalg.cholesky: The factorization could not be completed because the input is "
                 "not positive-definite (the leading minor of order {order} is not "
                 "positive-definite).")
MT_NOT_MATRIX = ("tensor.mT is only supported on matrices or batches of matrices. Got {ndim}-D "
                 "tensor.")
T_DEPRECATED = ("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
                "deprecated and it will throw an error in a future release. Consider `x.mT` to "
                "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` "
                "to reverse the dimensions of a tensor.")
FILL_VALUE_DIM = "fill_ only supports 0-dimension value tensor but got tensor with {ndim} dimensions."
EINSUM_OPERANDS = ("Number of einsum subscripts, {n}, must be equal to the number of operands, "
                   "{m}.")
EINSUM_FEWER = "einsum(): fewer operands were provided than specified in the equation"
EINSUM_SIZE = ("einsum(): subscript {label} has size {size} for operand {index} which does not "
               "broadcast with previously seen size {seen}")
EINSUM_OUTPUT = "einsum(): output subscript {label} does not appear in the equation for any input operand"

# ---------------------------------------------------------------------- tensors and factories
SCALAR_REQUIRES_GRAD = ("Converting a tensor with requires_grad=True to a scalar may lead to "
                        "unexpected behavior.\nConsider using tensor.detach() first.")
HOOK_NOT_SERIALIZED = ("backward hook {hook!r} on tensor will not be serialized.  If this is "
                       "expected, you can decorate the function with "
                       "@torch.utils.hooks.unserializable_hook to suppress this warning")
DEEPCOPY_NON_LEAF = ("Only Tensors created explicitly by the user (graph leaves) support the "
                     "deepcopy protocol at the moment.  If you were attempting to deepcopy a "
                     "module, this may be because of a torch.nn.utils.weight_norm usage, see "
                     "https://github.com/pytorch/pytorch/pull/103001")
DETACH_VIEW_INPLACE = (
    "Can't detach views in-place. Use detach() instead. If you are using "
    "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as True, "
    "gradients are views of DDP buckets, and hence detach_() cannot be called on these "
    "gradients. To fix this error, please refer to the Optimizer.zero_grad() function in "
    "torch/optim/optimizer.py as the solution.")
TENSOR_OF_TENSOR = ("To copy construct from a tensor, it is recommended to use "
                    "sourceTensor.detach().clone() or "
                    "sourceTensor.detach().clone().requires_grad_(True), rather than "
                    "torch.tensor(sourceTensor).")
FACTORY_NEGATIVE = "{name}: Dimension size must be non-negative."
ARANGE_STEP_ZERO = "step must be nonzero"
ARANGE_BOUNDS = "upper bound and lower bound inconsistent with step sign"
EYE_NEGATIVE = "{name} must be greater or equal to 0, got {value}"
HOOK_CHANGED_SIZE = "hook '{name}' has changed the size of value"
HOOK_CHANGED_TYPE = "hook '{name}' has changed the type of value (was {old} got {new})"
INPLACE_BROADCAST = "output with shape {shape} doesn't match the broadcast shape {broadcast}"
ZERO_DIVISION = "ZeroDivisionError"
LINEAR_DTYPE = "mat1 and mat2 must have the same dtype, but got {a} and {b}"

# ---- tensor queries and utilities (ops/tensor_api.py)
BOOL_NO_VALUES = "Boolean value of Tensor with no values is ambiguous"
BOOL_AMBIGUOUS = "Boolean value of Tensor with more than one value is ambiguous"
H_NOT_MATRIX = ("tensor.H is only supported on matrices (2-D tensors). Got {ndim}-D tensor. "
                "For batches of matrices, consider using tensor.mH")
NO_CUDA = "Torch not compiled with CUDA enabled"
CONTAINS_TYPE = ("Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                 "{type}.")
ONE_ELEMENT_SCALAR = "only one element tensors can be converted to Python scalars"
SUM_TO_SIZE = "size {{[{size}]}} is not expandable to size {{[{shape}]}}."
FILL_DIAGONAL_DIMS = "dimensions must larger than 1"
FILL_DIAGONAL_SIZES = "all dimensions of input must be of equal length"
APPLY_REQUIRES_GRAD = ("Can't call {name}() on Variable that requires grad. "
                       "Use var.detach().{name}() instead.")
EXPONENTIAL_LAMBDA = "exponential_ expects lambda > 0.0, but found lambda={lambd}"
GEOMETRIC_P = "geometric_ expects p to be in (0, 1), but got p={p}"
RANDOM_RANGE = "random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
CONTINUOUS_DTYPE = ("{dist} distribution is a continuous probability distribution. dtype must "
                    "be a floating point but you specified {name}")
VIEW_STRIDES = ("view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
# ---------------------------------------------------------------------- special (pointwise)
DERIVATIVE_NOT_IMPLEMENTED_FOR = "the derivative for '{name}' is not implemented."
POLYGAMMA_NEGATIVE = "polygamma(n, x) does not support negative n."
MVLGAMMA_P = "p has to be greater than or equal to 1"
POSITIVE_BOOL = "The `+` operator, on a bool tensor is not supported."
HEAVISIDE_DTYPES = "heaviside is not yet implemented for tensors with different dtypes."
FREXP_DTYPE = "torch.frexp() only supports floating-point dtypes"
FLOAT_POWER_INPLACE = ("the base given to float_power_ has dtype {dtype} but the operation's "
                       "result requires dtype {expected}")
DTYPE_DID_NOT_MATCH = "{a} did not match {b}"
ISCLOSE_TOL = "{name} must be greater than or equal to zero, but got {value:g}"
STEPS_NEGATIVE = "number of steps must be non-negative"
# ---------------------------------------------------------------------- nn sequence modules
# (RNN/LSTM/GRU and their cells, nn.utils.rnn, Transformer, Module hooks)
RNN_DROPOUT_RANGE = ("dropout should be a number in range [0, 1] representing the probability "
                     "of an element being zeroed")
RNN_DROPOUT_ONE_LAYER = ("dropout option adds dropout after all but last recurrent layer, so "
                         "non-zero dropout expects num_layers greater than 1, but got "
                         "dropout={dropout} and num_layers={num_layers}")
RNN_ARG_TYPE = "{name} should be of type {kind}, got: {got}"
RNN_POSITIVE = "{name} must be greater than zero"
RNN_PROJ_NEGATIVE = "proj_size should be a positive integer or zero to disable projections"
RNN_PROJ_TOO_BIG = "proj_size has to be smaller than hidden_size"
RNN_PROJ_ONLY_LSTM = "proj_size argument is only supported for LSTM, not RNN or GRU"
RNN_UNKNOWN_MODE = "Unrecognized RNN mode: {mode}"
RNN_UNKNOWN_NONLINEARITY = "Unknown nonlinearity '{nl}'. Select from 'tanh' or 'relu'."
RNN_INPUT_DTYPE = ("RNN input dtype ({got}) does not match weight dtype ({want}). Convert "
                   "input: input.to({want}), or convert model: model.to({got})")
RNN_INPUT_DIMS = "input must have {expected} dimensions, got {got}"
RNN_INPUT_SIZE = "input.size(-1) must be equal to input_size. Expected {expected}, got {got}"
RNN_HIDDEN_SIZE = "Expected hidden size {expected}, got {got}"
RNN_HIDDEN_I_SIZE = "Expected hidden[{i}] size {expected}, got {got}"
RNN_INPUT_RANK = "{name}: Expected input to be 2D or 3D, got {got}D tensor instead"
RNN_INPUT_RANK_LSTM_GRU = "{name}: Expected input to be 2D or 3D, got {got}D instead"
RNN_HX_UNBATCHED = "For unbatched 2-D input, hx should also be 2-D but got {got}-D tensor"
RNN_HX_BATCHED = "For batched 3-D input, hx should also be 3-D but got {got}-D tensor"
LSTM_HX_UNBATCHED = ("For unbatched 2-D input, hx and cx should also be 2-D but got "
                     "({h}-D, {c}-D) tensors")
LSTM_HX_BATCHED = ("For batched 3-D input, hx and cx should also be 3-D but got "
                   "({h}-D, {c}-D) tensors")
CELL_INPUT_RANK = "{name}: Expected input to be 1D or 2D, got {got}D instead"
CELL_HIDDEN_RANK = "{name}: Expected hidden to be 1D or 2D, got {got}D instead"
CELL_HX_I_RANK = "{name}: Expected hx[{i}] to be 1D or 2D, got {got}D instead"
CELL_INPUT_SIZE = "input has inconsistent input_size: got {got} expected {expected}"
CELL_BATCH = "Input batch size {got} doesn't match hidden{i} batch size {expected}"
CELL_HIDDEN_SIZE = "hidden{i} has inconsistent hidden_size: got {got}, expected {expected}"
CELL_UNKNOWN_NONLINEARITY = "Unknown nonlinearity: {nl}"
PACK_NOT_SORTED = ("`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                   "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                   "pack_sequence to sidestep this requirement if you do not need ONNX "
                   "exportability.")
PACK_NONPOSITIVE = ("Length of all samples has to be greater than 0, but found an element in "
                    "'lengths' that is <= 0")
PACK_BATCH = "Expected `len(lengths)` to be equal to batch_size, but got {got} (batch_size={batch})"
PAD_TOTAL_LENGTH = ("Expected total_length to be at least the length of the longest sequence in "
                    "input, but got total_length={total} and max sequence length being {longest}")
PAD_NOT_ITERABLE = "pad_sequence: Expected iterable for input sequences, but got arg of type: {t}"
PAD_EMPTY = "received an empty list of sequences"
PAD_SIDE = "Expected padding_side to be one of left or right, but got {side}."
PAD_SIZE_MISMATCH = ("The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                     "non-singleton dimension {dim}")
PACKED_DATA_PAIR = "Expected data to be a list or tuple of length 2"
MASK_NONE_OR_TENSOR = "input to _none_or_dtype() must be None or torch.Tensor"
MASK_DTYPE = "only bool and floating types of {name} are supported"
MASK_MISMATCH = ("Support for mismatched {name} and {other} is deprecated. Use same type for "
                 "both instead.")
TRANSFORMER_ACTIVATION = "activation should be relu/gelu, not {activation}"
TRANSFORMER_BATCH = "the batch number of src and tgt must be equal"
TRANSFORMER_FEATURES = "the feature number of src and tgt must be equal to d_model"
TRANSFORMER_NESTED = ("enable_nested_tensor is True, but self.use_nested_tensor is False because "
                      "{why}")
MODULE_MIXED_BACKWARD_HOOKS = ("Cannot use both regular backward hooks and full backward hooks on "
                               "a single Module. Please use only one of them.")
GLOBAL_MIXED_BACKWARD_HOOKS = ("Cannot use both regular backward hooks and full backward hooks as "
                               "a global Module hook. Please use only one of them.")
BACKWARD_HOOK_GRAD_INPUT_COUNT = ("Backward hook returned an invalid number of grad_input, got "
                                  "{got}, but expected {expected}")
BACKWARD_PRE_HOOK_GRAD_OUTPUT_COUNT = ("Backward pre hook returned an invalid number of "
                                       "grad_output, got {got}, but expected {expected}")
BACKWARD_HOOK_NO_INPUT_GRAD_WARNING = (
    "Full backward hook is firing when gradients are computed with respect to module outputs "
    "since no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/"
    "torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more details.")
BACKWARD_HOOK_NO_INPUT_GRAD_RETURN = ("Backward hook for Modules where no input requires gradient "
                                      "should always return None or None for all gradients.")
# ---------------------------------------------------------------------- linalg family (issue 11)
LINALG_SINGULAR_EX = ("linalg.inv_ex: The diagonal element {index} is zero, the inversion could not "
                      "be completed because the input matrix is singular.")
LINALG_NOT_PD_NAMED = ("{name}: The factorization could not be completed because the input is "
                       "not positive-definite (the leading minor of order {order} is not "
                       "positive-definite).")
LINALG_SOLVE_SINGULAR = "torch.linalg.{name}: The solver failed because the input matrix is singular."
LINALG_NOT_FLOAT = "{name}: Expected a floating point or complex tensor as input. Got {dtype}"
LINALG_NDIM_B = "linalg.{name}: The input tensor B must have at least 2 dimensions."
LINALG_TRI_SHAPES = ("linalg.solve_triangular: Incompatible shapes of A and B for the equation "
                     "AX = B ({a0}x{a1} and {b0}x{b1})")
MATRIX_NORM_ORDER = "linalg.matrix_norm: Order {ord} not supported."
MATRIX_NORM_DIMS = "linalg.matrix_norm: dims must be different. Got ({d0}, {d1})"
EIGH_UPLO = "Expected UPLO argument to be 'L' or 'U', but got {uplo}"
CROSS_LENGTH = "linalg.cross: inputs dimension {dim} must have length 3. Got {a} and {b}"
MULTI_DOT_COUNT = "multi_dot(): expected at least 2 tensors but got {n}"
MULTI_DOT_FIRST = "multi_dot(): the first tensor must be 1D or 2D but got {ndim}D"
MULTI_DOT_LAST = "multi_dot(): the last tensor must be 1D or 2D but got {ndim}D"
MULTI_DOT_MID = "multi_dot(): tensor {i} must be 2D but got {ndim}D"
MULTI_DOT_SHAPES = "multi_dot(): tensors {i} and {j} with shapes {a} and {b} cannot be multiplied"
VANDER_N = "N must be greater than 1."
VANDER_DTYPE = "linalg.vander supports floating point, complex, and integer tensors, but got {dtype}"
LU_NDIM = "{name}: Expected tensor with 2 or more dimensions. Got size: {size} instead"
LSTSQ_SHAPES = "torch.linalg.lstsq: input.size(-2) should match other.size({d})"
MATRIX_RANK_NDIM = ("torch.linalg.matrix_rank: The input tensor input must have at least 2 "
                    "dimensions.")
HOUSEHOLDER_NDIM = "torch.linalg.householder_product: input must have at least 2 dimensions."
HOUSEHOLDER_TAU = ("torch.linalg.householder_product: input.shape[-1] must be greater than or "
                   "equal to tau.shape[-1]")
COND_NDIM = "linalg.cond: The input tensor must have at least 2 dimensions."
CHOLESKY_SOLVE_NDIM = "b should have at least 2 dimensions, but has {ndim} dimensions instead"
ADDMM_SHAPES = "mat1 and mat2 shapes cannot be multiplied ({a0}x{a1} and {b0}x{b1})"
TENSORINV_SHAPE = ("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                   "prod(self.shape[:ind]), but got {a} != {b}")
PINV_INPUT = ("linalg.pinv({dtype}{{{shape}}}): expected a tensor with 2 or more dimensions of "
              "float, double, cfloat or cdouble types")
CROSS_NO_DIM = ("Using torch.cross without specifying the dim arg is deprecated.\n"
                "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
                "The default value of dim will change to agree with that of linalg.cross in a "
                "future release.")
CHAIN_MATMUL_DEPRECATED = ("torch.chain_matmul is deprecated and will be removed in a future "
                           "PyTorch release. Use torch.linalg.multi_dot instead, which accepts "
                           "a list of two or more tensors rather than multiple parameters.")
CROSS_NDIM = "linalg.cross: inputs must have the same number of dimensions."
ADDMM_MATRIX = "{name} must be a matrix, got {ndim}-D tensor"
ADD_MM_DTYPE = "expected m1 and m2 to have the same dtype, but got: {a} != {b}"
ADDR_VECTORS = "addr: Expected 1-D argument vec1, but got {a}-D"
HOUSEHOLDER_ROWS = ("torch.linalg.householder_product: input.shape[-2] must be greater than or "
                    "equal to input.shape[-1]")
ADDMV_SIZES = "size mismatch, got input ({i}), mat ({m}x{n}), vec ({k})"
SVD_NDIM = "linalg.svd: input should have at least 2 dimensions, but has {ndim} dimensions instead"

# ---------------------------------------------------------------------- fft (linalg family)
FFT_NEGATIVE = "Trying to create tensor with negative dimension {n}: [{n}]"
# ---------------------------------------------------------------------- scatter family
# (indexing, scattering, splitting/stacking, constructors: ops/scatter.py)
TENSORLIST_EMPTY = "{name} expects a non-empty TensorList"
FLIP_DIMS = "Input must be >= {n}-d."
ROT90_NDIMS = "expected total rotation dims == 2, but got dims = {n}"
ROT90_TOTAL = "expected total dims >= 2, but got total dims = {n}"
ROT90_SAME = "expected rotation dims to be different, but got dim0 = {dim0} and dim1 = {dim1}"
TENSOR_SPLIT_ZERO_DIM = ("tensor_split expected at least a 1-dimensional tensor, but got a "
                         "tensor with {ndim} dims")
TENSOR_SPLIT_DTYPE = ("tensor_split expected tensor_indices_or_sections to have dtype of long, "
                      "but got {dtype}")
TENSOR_SPLIT_TENSOR_DIMS = ("tensor_split expected tensor_indices_or_sections to be a "
                            "zero-dimensional or one-dimensional tensor, but got a tensor with "
                            "{ndim} dims")
TENSOR_SPLIT_SECTIONS = "number of sections must be larger than 0, got {n}"
DIRECTIONAL_SPLIT_NDIM = ("torch.{name} requires a tensor with at least {n} dimension, but got "
                          "a tensor with {ndim} dimensions!")
DIRECTIONAL_SPLIT_SIZE = ("torch.{name} attempted to split along dimension {dim}, but the size "
                          "of the dimension {size} is not divisible by the split_size {split}!")
MESHGRID_INDEXING_WARNING = ("torch.meshgrid: in an upcoming release, it will be required to "
                             "pass the indexing argument.")
# (torch appends its C++ printout of the offending tensor; that part is not reproduced.)
MESHGRID_DIMS = "torch.meshgrid: Expected 0D or 1D tensor in the tensor list"
MESHGRID_DTYPE = "meshgrid expects all tensors to have the same dtype"
MESHGRID_INDEXING = ('torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                     '{indexing}')
EXPECT_1D = "Expect a 1D vector, but got shape {shape}"
EXPECT_NON_NEGATIVE = "Expect a non-negative number, but got {r}"
BLOCK_DIAG_DIMS = ("torch.block_diag: Input tensors must have 2 or fewer dimensions. Input "
                   "{index} has {ndim} dimensions")
INDICES_NEGATIVE = "{name} must be non-negative, got{value}"
UNRAVEL_DTYPE = "expected 'indices' to be integer dtype, but got {dtype}"
UNRAVEL_SHAPE = "'shape' cannot have negative values, but got {shape}"
SCATTER_SLICE_SIZE = ("expected src to have a size equal to the slice of self. src size = "
                      "{src}, slice size = {slice}")
SLICE_STEP_POSITIVE = "slice step must be positive"
UNFOLD_SIZE = "maximum size for tensor at dimension {dim} is {max} but size is {size}"
UNFOLD_NEGATIVE = "size is {size} but must be >= 0"
UNFOLD_STEP = "step is {step} but must be > 0"
INDEX_PUT_TOO_MANY = "too many indices for tensor of dimension {ndim} (got {n})"
INDEX_PUT_SHAPE = ("shape mismatch: value tensor of shape {value} cannot be broadcast to "
                   "indexing result of shape {target}")
INDEX_COPY_INDEX_DIMS = "index_copy_(): Index should have dimension 1 or 0 (got {ndim})"
INDEX_COPY_INDEX_DTYPE = "index_copy_(): Expected a long tensor for index, but got {dtype}"
INDEX_COPY_COUNT = ("index_copy_(): Number of indices ({n}) should be equal to source.size(dim) "
                    "({got})")
INDEX_COPY_SOURCE_DTYPE = ("index_copy_(): self and source expected to have the same dtype, but "
                           "got (self) {a} and (source) {b}")
INDEX_COPY_OUT_OF_BOUNDS = ("index_copy_(): index {index} is out of bounds for dimension {dim} "
                            "with size {size}")
INDEX_FILL_VALUE_DIMS = ("index_fill_ only supports a 0-dimensional value tensor, but got tensor "
                         "with {ndim} dimension(s).")
INDEX_FILL_INDEX_DTYPE = "index_fill_(): Expected dtype int64 for index."
INDEX_FILL_INDEX_DIMS = "Index has to be a vector/scalar"
FLAT_INDEX_DTYPE = "{name}(): Expected a long tensor for index, but got {dtype}"
FLAT_INDEX_RANGE = "out of range: tried to access index {index} on a tensor of {n} elements."
PUT_COUNT = ("put_(): Expected source and index to have the same number of elements, but got "
             "source.numel() = {source}, index.numel() = {index}")
PUT_DTYPE = ("put_(): self and source expected to have the same dtype, but got self.dtype = {a} "
             "and source.dtype = {b}")
MASKED_SCATTER_MASK = ("masked_scatter_ only supports boolean masks, but got mask with dtype "
                       "{dtype}")
MASKED_SCATTER_DTYPE = ("masked_scatter: expected self and source to have same dtypes but got"
                        "{a} and {b}")
MASKED_SCATTER_SOURCE = "Number of elements of source < number of ones in mask"
SCATTER_REDUCE_REDUCE = "reduce argument must be either sum, prod, mean, amax or amin, got {reduce}"
INDEX_REDUCE_BETA = "index_reduce() is in beta and the API may change at any time."
INDEX_REDUCE_REDUCE = ("index_reduce(): Expected reduce to be one of prod, mean, amax or amin but "
                       "got {reduce}.")
INDEX_REDUCE_INDEX_DIMS = ("index_reduce_(): Index is supposed to be a vector, but got dim: "
                           "{ndim} with type: {dtype} and size: {size}")
INDEX_REDUCE_INDEX_DTYPE = "index_reduce_(): Expected dtype int32/int64 for index but got: {dtype}"
INDEX_REDUCE_SOURCE_DTYPE = ("index_reduce_(): self ({a}) and source ({b}) must have the same "
                             "scalar type")
INDEX_REDUCE_COUNT = ("index_reduce_(): Number of indices ({n}) should be equal to "
                      "source.size(dim): ({got}), for dim: {dim}")
REPEATS_NEGATIVE = "Repeats must be non-negative"
REPEATS_DIMS = "repeats must be 0-dim or 1-dim tensor"
REPEATS_SIZE = ("repeats must have the same size as input along dim, but got repeats.size(0) = "
                "{n} and input.size({d}) = {size}")
REPEATS_DTYPE = "\"repeat_interleave_cpu\" not implemented for '{dtype}'"
REPEATS_NEGATIVE_TENSOR = "repeats can not be negative"
REPEATS_OUTPUT_SIZE = "allocated size does not match required size"
TENSORLIST_ELEMENT = "expected Tensor as element {index} in argument {arg}, but got {type_name}"
# ---------------------------------------------------------------------- stats family
NANMEAN_DTYPE = ("nanmean(): expected input to have floating point or complex dtype but got "
                 "{dtype}")
KTHVALUE_RANGE = "kthvalue(): selected number k out of range for dimension {dim}"
AMINMAX_EMPTY = ("aminmax(): cannot compute aminmax over an empty dimension as the operation "
                 "has no identity.")
AMINMAX_EMPTY_DIM = "aminmax: Expected reduction dim {dim} to have non-zero size."
VAR_MEAN_DTYPE = "{name} only support floating point and complex dtypes"
DIST_DTYPE = ("norm(): input dtype should be either floating point or complex. Got {dtype} "
              "instead.")
RENORM_P = "renorm: non-positive-norm not supported"
RENORM_MAXNORM = "renorm: expected maxnorm to be >= 0 but got {maxnorm}"
RENORM_DIMS = "renorm: input needs at least 2 dimensions, got {ndim} dimensions"
BINCOUNT_INPUT = "bincount only supports 1-d non-negative integral inputs."
BINCOUNT_WEIGHTS = "weights should be 1-d and have the same length as input"
BINCOUNT_MINLENGTH = "minlength should be >= 0"
HISTC_RANGE = "torch.histc: max must be larger than min"
HISTOGRAM_BINS = "torch.histogram(): bins must be > 0, but got {bins} for dimension 0"
HISTOGRAM_RANGE = ("torch.histogramdd: min should not exceed max, but got min {min} max {max} "
                   "for dimension 0")
SEARCHSORTED_DIMS = (
    "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
    "of boundaries tensor and input value tensor must match, but we got boundaries tensor "
    "{seq} and input value tensor {vals}")
SEARCHSORTED_SIDE_RIGHT = ("torch.searchsorted(): side and right can't be set to opposites, got "
                           "side of {side} while right was True")
SEARCHSORTED_SIDE = "torch.searchsorted(): side can only be 'left' or 'right' but got {side}"
BUCKETIZE_DIMS = "boundaries tensor must be 1 dimension, but got dim({ndim})"
NONZERO_STATIC_SIZE = "nonzero_static: 'size' must be an non-negative integer"
DERIVATIVE_NOT_IMPLEMENTED_THE = "the derivative for '{name}' is not implemented."
DIFF_NDIM = "diff expects input to be at least one-dimensional"
DIFF_ORDER = "order must be non-negative but got {n}"
DIFF_OTHER_NDIM = "diff expects prepend or append to be the same dimension as input"
DIFF_OTHER_SHAPE = ("diff expects the shape of tensor to prepend or append to match that of "
                    "input except along the differencing dimension; input.size({i}) = {a}, but "
                    "got tensor.size({i}) = {b}")
TRAPEZOID_X_SIZE = "{name}: There must be one `x` value for each sample point"
TRAPEZOID_BOOL = "trapezoid: received a bool input for `y`, but bool is not supported"
TRAPEZOID_BOOL_XY = ("{name}: received a bool input for `x` or `y`, but bool is not supported")
CUMULATIVE_TRAPEZOID_BOOL = ("cumulative_trapezoid: received a bool input for `y`, but bool is "
                             "not supported")
COV_NDIM = ("cov(): expected input to have two or fewer dimensions but got an input with {ndim} "
            "dimensions")
COV_BOOL = "cov(): bool dtype is not supported for input"
COV_W_NDIM = ("cov(): expected {name} to have one or fewer dimensions but got {name} with "
              "{ndim} dimensions")
COV_FW_DTYPE = ("cov(): expected fweights to have integral dtype but got fweights with {dtype} "
                "dtype")
COV_AW_DTYPE = ("cov(): expected aweights to have floating point dtype but got aweights with "
                "{dtype} dtype")
COV_W_NUMEL = ("cov(): expected {name} to have the same numel as there are observations in the "
               "input but got {numel} != {n}")
COV_W_NEGATIVE = "cov(): {name} cannot be negative"
COV_DOF = ("cov(): degrees of freedom is <= 0. Correction should be strictly less than the "
           "number of observations.")
CORRCOEF_NDIM = ("corrcoef(): expected input to have two or fewer dimensions but got an input "
                 "with {ndim} dimensions")
QUANTILE_EMPTY = "quantile() input tensor must be non-empty"
QUANTILE_Q_DIM = "quantile() q must be a scalar or 1D tensor"
QUANTILE_DTYPE = "quantile() input tensor must be either float or double dtype"
QUANTILE_Q_DTYPE = "quantile() q tensor must be same dtype as the input tensor"
QUANTILE_MODE = ("quantile() interpolation must be one of linear, lower, higher, midpoint or "
                 "nearest, but got {mode}")
QUANTILE_Q_RANGE = "quantile() q must be in the range [0, 1] but got {q}"
QUANTILE_Q_VALUES = "quantile() q values must be in the range [0, 1]"
GRADIENT_UINT8 = "torch.gradient does not support uint8 input."
GRADIENT_SPACING_NDIM = (
    "torch.gradient expected spacing to be unspecified, a scalar, or a list of length equal to "
    "'self.dim() = {ndim}', since dim argument was not given, but got a list of length {n}")
GRADIENT_SPACING_DIM = (
    "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
    "arguments to have the same length, but got a spacing argument of length {n} and a dim "
    "argument of length {d}.")
GRADIENT_EDGE_ORDER = "torch.gradient only supports edge_order=1 and edge_order=2."
GRADIENT_SIZE = "torch.gradient expected each dimension size to be at least edge_order+1"
GRADIENT_COORD_NDIM = ("torch.gradient expected each element of spacing to have one dimension, "
                       "but got an element with {ndim} dimensions!")
CDIST_NDIM = "cdist only supports at least 2D tensors, {name} got: {ndim}D"
CDIST_COLUMNS = "X1 and X2 must have the same number of columns. X1: {a} X2: {b}"
CDIST_P = "cdist only supports non-negative p values"
CDIST_DTYPE = "cdist only supports floating-point dtypes, {name} got: {dtype}"
CDIST_MODE = "{mode} is not a valid value for compute_mode"
# ------------------------------------------------------------------ nn.functional breadth (nnf)
NNF_NOT_IMPLEMENTED = "\"{kernel}\" not implemented for '{dtype}'"
NNF_SOFTSHRINK_LAMBDA = "lambda must be in range [0, {max}] for input dtype {dtype}, but found {lambd}"
NNF_INTERP_SIZE = (
    "Input and output must have the same number of spatial dimensions, but got input with "
    "spatial dimensions of {spatial} and output size of {size}. Please provide input tensor in "
    "(N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
NNF_INTERP_SCALE = (
    "Input and scale_factor must have the same number of spatial dimensions, but got input "
    "with spatial dimensions of {spatial} and scale_factor of shape {scale}. Please provide "
    "input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
NNF_DROPOUT_DIM = (
    "{name}: Received a {nd}-D input to {name}, which is deprecated and will result in an "
    "error in a future release. To retain the behavior and silence this warning, please use "
    "dropout instead. Note that {name} exists to provide channel-wise dropout on inputs with "
    "{k} spatial dimensions, a channel dimension, and an optional batch dimension (i.e. {lo}D "
    "or {hi}D inputs).")
NNF_DROPOUT2D_3D = (
    "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
    "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
    "dim. This behavior will change in a future release to interpret the input as one "
    "without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout "
    "behavior, please switch to using dropout1d instead.")
# (torch's text keeps the indentation of its line continuation.)
NNF_LRN_DIM = ("Expected 3D or higher dimensionality" + " " * 26
               + "input (got {dim} dimensions)")
# ------------------------------------------------------------------ save and load (issue 14 item 7)
# torch/serialization.py and torch/_weights_only_unpickler.py, torch 2.13.
LOAD_UNSAFE = ("In PyTorch 2.6, we changed the default value of the `weights_only` argument in "
               "`torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` "
               "set to `False` will likely succeed, but it can result in arbitrary code "
               "execution. Do it only if you got the file from a trusted source.")
LOAD_WO_GLOBAL = ("Weights only load failed. This file can still be loaded, to do so you have two "
                  "options, \033[1mdo those steps only if you trust the source of the "
                  "checkpoint\033[0m. \n\t(1) {unsafe}\n\t(2) Alternatively, to load with "
                  "`weights_only=True` please check the recommended steps in the following error "
                  "message.\n\tWeightsUnpickler error: {message}")
LOAD_WO_OTHER = ("Weights only load failed. {unsafe}\nPlease file an issue with the following so "
                 "that we can make `weights_only=True` compatible with your use case: "
                 "WeightsUnpickler error: \n\n{message}")
LOAD_WO_BLOCKED_WRAP = "Weights only load failed. {unsafe}\n\n\n{message}"
LOAD_WO_DOCS = ("\n\nCheck the documentation of torch.load to learn more about types accepted by "
                "default with weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")
LOAD_WO_UNSUPPORTED = (
    "Unsupported global: GLOBAL {path} was not an allowed global by default. Please use "
    "`torch.serialization.add_safe_globals([{path}])` or the "
    "`torch.serialization.safe_globals([{path}])` context manager to allowlist this global "
    "if you trust this class/function.")
LOAD_WO_BLOCKED = "Trying to load unsupported GLOBAL {path} whose module {module} is blocked."
LOAD_WO_PICKLE_MODULE = "Can not safely load weights when explicit pickle_module is specified"
LOAD_WO_ARGS = "pickle_load_args only works if `weights_only=False`."
LOAD_CUDA = ("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
             "False. If you are running on a CPU-only machine, please use torch.load with "
             "map_location=torch.device('cpu') to map your storages to the CPU.")
LOAD_LOCATION = ("don't know how to restore data location of torch.storage.UntypedStorage "
                 "(tagged with {location})")
LOAD_PERSISTENT_ID = "Unknown saved id type: {typename}"
SAVE_NO_PARENT = "Parent directory {parent} does not exist."
NUMPY_UNSUPPORTED_DTYPE = ("can't convert np.ndarray of type numpy.{type_name}. The only "
                           "supported types are: float64, float32, float16, complex64, "
                           "complex128, int64, int32, int16, int8, uint64, uint32, uint16, "
                           "uint8, and bool.")
NUMPY_BYTE_ORDER = ("given numpy array has byte order different from the native byte order. "
                    "Conversion between byte orders is currently not supported.")
NUMPY_NEGATIVE_STRIDES = ("At least one stride in the given numpy array is negative, and "
                          "tensors with negative strides are not currently supported. (You can "
                          "probably work around this by making a copy of your array  with "
                          "array.copy().) ")
FROM_NUMPY_TYPE = "expected np.ndarray (got {type_name})"
DLPACK_INVALID_CAPSULE = ("from_dlpack received an invalid capsule. Note that DLTensor capsules "
                          "can be consumed only once, so you might have already constructed a "
                          "tensor from it once.")
# ------------------------------------------------------------------ devices (issue 14 item 5)
DEVICE_EMPTY = "Device string must not be empty"
DEVICE_INVALID = "Invalid device string: '{string}'"
DEVICE_UNKNOWN_TYPE = "Expected one of {types} device type at start of device string: {string}"
DEVICE_NEGATIVE_INDEX = "Device index must not be negative"
DEVICE_INDEX_TWICE = ("type (string) must not include an index because index was passed "
                      "explicitly: {string}")
DEVICE_NO_ACCELERATOR = "Cannot access accelerator device when none is available."
DEVICE_NO_ARGS = ("device() received an invalid combination of arguments - got (), but "
                  "expected one of:\n * (torch.device device)\n * (str type, int index = -1)\n")
DEVICE_BAD_ARGS = ("device() received an invalid combination of arguments - got ({got}), but "
                   "expected one of:\n * (torch.device device)\n      didn't match because some "
                   "of the arguments have invalid types: (!{got}!)\n * (str type, int index = "
                   "-1)\n")
DEVICE_ARG_TYPE = "device(): argument '{name}' (position {position}) must be {expected}, not {got}"
FACTORY_DEVICE_TYPE = "{name}(): argument 'device' must be torch.device, not {got}"
# torch's TensorIterator text (pointwise ops); its other ops word it per argument.
DEVICE_MISMATCH = ("Expected all tensors to be on the same device, but found at least two "
                   "devices, {first} and {second}!")
# torch's CUDA runtime error starts so (its message goes on with debugging advice).
CUDA_INVALID_ORDINAL = "CUDA error: invalid device ordinal"
# tapegrad's own texts: torch's CPU build has no XLA kernels either, in other words.
DEVICE_NO_TPU = "tapegrad: device 'xla' names a JAX TPU device, and this process has none"
DEVICE_UNSUPPORTED = ("tapegrad: device type '{type}' cannot hold data (tapegrad places data "
                      "on 'cpu', 'cuda' and 'xla' devices)")
NUMPY_NOT_CPU = ("can't convert {device} device type tensor to numpy. Use Tensor.cpu() to copy "
                 "the tensor to host memory first.")
TO_BAD_ARGS = (
    "to() received an invalid combination of arguments - got ({got}), but expected one of:\n"
    " * (torch.device device = None, torch.dtype dtype = None, bool non_blocking = False, "
    "bool copy = False, *, torch.memory_format memory_format = None)\n"
    " * (torch.dtype dtype, bool non_blocking = False, bool copy = False, *, "
    "torch.memory_format memory_format = None)\n"
    " * (Tensor tensor, bool non_blocking = False, bool copy = False, *, "
    "torch.memory_format memory_format = None)\n")
CUDA_DEVICE_TYPE = "cuda(): argument 'device' (position 1) must be torch.device, not {got}"
# ------------------------------------------------------------------ precision and autocast (amp)
MATMUL_PRECISION_UNKNOWN = ("{precision} is not one of 'highest', 'high', or 'medium'; the "
                            "currentsetFloat32MatmulPrecision call has no effect.")
# ---------------------------------------------------------------------- fft and complex autograd
# (issue 11: ops/fft.py, ops/complex_ops.py)
VIEW_AS_REAL_NOT_COMPLEX = "view_as_real is only supported for complex tensors"
VIEW_AS_COMPLEX_DTYPE = ("view_as_complex is only supported for half, float and double tensors, "
                         "but got a tensor of scalar type: {dtype}")
VIEW_AS_COMPLEX_0D = "Input tensor must have one or more dimensions"
VIEW_AS_COMPLEX_LAST = "Tensor must have a last dimension of size 2"
IMAG_NOT_COMPLEX = "imag is not implemented for tensors with non-complex dtypes."
FFT_INVALID_NORM = 'Invalid normalization mode: "{norm}"'
FFT_INVALID_POINTS = "Invalid number of data points ({n}) specified"
FFT_DIMS_UNIQUE = "FFT dims must be unique"
FFT_DIM_SHAPE_LEN = "When given, dim and shape arguments must have the same length"
FFT_SHAPE_TOO_LONG = "Got shape with {n} values but input tensor only has {ndim} dimensions."
FFT_NO_AXIS = "{name} must transform at least one axis"
FFT_REAL_INPUT = "{name} expects a real input tensor, but got {dtype}"
FFT_REAL_VALUED_INPUT = "{name} expects a real-valued input tensor, but got {dtype}"
FFT_FLOATING_ONLY = "Only supports floating-point dtypes, but found: {dtype}"
FFT_UNSUPPORTED_DTYPE = "Unsupported dtype {dtype}"
FFT_COMPLEX_INPUT = "{name} expects a complex input tensor, but got {dtype}"
FFT_ARG_TYPE = "fft_{name}(): argument '{arg}' must be int, not {type_name}"
COMPLEX_TO_REAL = "Casting complex values to real discards the imaginary part"

# ------------------------------------------------------------------ fuzzer findings (issue 12.8)
STD_VAR_DOF = ("{name}(): degrees of freedom is <= 0. Correction should be strictly less than "
               "the reduction factor (input numel divided by output numel).")

# ---------------------------------------------------------------- vmap randomness (issue 14 item 4)
VMAP_RANDOM_ERROR = (
    "vmap: called random operation while in randomness error mode. Please either use the "
    "'same' or 'different' randomness flags on vmap or perform the randomness operation out "
    "of vmap")

# The texts of the families added later (lazy modules, torch.<name> nn forms, tensor misc,
# linalg legacy) live in `_errors_families.py` (this file's 900-line limit); read as `_errors.X`.
from ._errors_families import *  # noqa: E402, F401, F403
