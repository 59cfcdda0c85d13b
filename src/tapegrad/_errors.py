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
