"""torch's error and warning texts of the later op families (see `_errors.py`)."""

# ------------------------------------------------------------------ tensor misc (ops/sampling.py, ops/tensor_misc.py)
MULTINOMIAL_DIM = "prob_dist must be 1 or 2 dim"
MULTINOMIAL_DTYPE = "multinomial only supports floating-point dtypes for input, got: {dtype}"
MULTINOMIAL_N = "cannot sample n_sample <= 0 samples"
MULTINOMIAL_TOO_MANY = ("cannot sample n_sample > prob_dist.size(-1) samples without "
                        "replacement")
MULTINOMIAL_CATEGORIES = "number of categories cannot exceed 2^24"
MULTINOMIAL_INVALID = "probability tensor contains either `inf`, `nan` or element < 0"
MULTINOMIAL_SUM = "invalid multinomial distribution (sum of probabilities <= 0)"
MULTINOMIAL_NEGATIVE = "invalid multinomial distribution (encountering probability entry < 0)"
MULTINOMIAL_NONFINITE = ("invalid multinomial distribution (encountering probability entry = "
                         "infinity or NaN)")
ARGUMENT_TYPE = "{name}(): argument '{arg}' (position {position}) must be {expected}, not {type_name}"
POISSON_RATE = "invalid Poisson rate, expected rate to be non-negative"
RANDOM_TO_BOUNDS = "to - 1 is out of bounds for {name}"
RANDOM_FROM_BOUNDS = "from is out of bounds for {name}"
RANDOM_FLOAT_BOUNDS = ("{what} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision "
                       "limitations {name} can support discrete uniform distribution only within "
                       "this range. This warning will become an error in version 1.7 release, "
                       "please fix the code in advance")
# ------------------------------------------------------------------ nn modules: lazy modules,
# EmbeddingBag (helper br_lazy)
UNINITIALIZED_USE = (
    "Attempted to use an uninitialized parameter in {func}. This error happens when you are "
    "using a `LazyModule` or explicitly manipulating `torch.nn.parameter.{cls}` objects. When "
    "using LazyModules Call `forward` with a dummy batch to initialize the parameters before "
    "calling torch functions")
UNINITIALIZED_SHAPE = (
    "Can't access the shape of an uninitialized parameter or buffer. This error usually happens "
    "in `load_state_dict` when trying to load an uninitialized parameter into an initialized "
    "one. Call `forward` to initialize the parameters before accessing their attributes.")
UNINITIALIZED_SHARE_MEMORY = (
    "Can't share memory on an uninitialized parameter or buffer. Call `forward` to initialize "
    "the parameters before calling `module.share_memory()`.")
LAZY_NOT_INITIALIZED = "module {name} has not been fully initialized"
LAZY_DATA_PARALLEL = (
    "Modules with uninitialized parameters can't be used with `DataParallel`. Run a dummy "
    "forward pass to correctly initialize the modules")
# ------------------------------------------------------------------ nn top-level forms (nntop)
TOP_OUTPUT_SHAPE = "output with shape {shape} doesn't match the broadcast shape {out}"
TOP_NUM_FEATURES = "{name} should contain {n} elements not {got}"
TOP_GROUP_NORM_AFFINE = ("Expected {name} to be a vector of size equal to the number of channels "
                         "in input, but got {name} of shape {shape} and input of shape {input}")
TOP_SAME_PADDING = ("Using padding='same' with even kernel lengths and odd dilation may require "
                    "a zero-padded copy of the input be created")
TOP_EMBEDDING_INDICES = ("Expected tensor for argument #1 'indices' to have one of the following "
                         "scalar types: Long, Int; but got {type} instead (while checking "
                         "arguments for embedding)")
TOP_RNN_INPUT_SIZE = "input has inconsistent input_size: got {got} expected {expected}"
TOP_RNN_BATCH = "Input batch size {got} doesn't match hidden{label} batch size {hx}"
TOP_RNN_HIDDEN_SIZE = "hidden{label} has inconsistent hidden_size: got {got}, expected {expected}"
TOP_INT_ARGUMENT = "{name}(): argument '{arg}' (position {position}) must be int, not {type}"
# ---------------------------------------------------------------------- linalg legacy family
# (torch's names outside torch.linalg and their deprecations: ops/linalg_legacy.py)
ADJOINT_NDIM = "tensor.adjoint() is only supported on matrices or batches of matrices. Got {ndim}-D tensor."
ADJOINT_0D = "adjoint() is deprecated on 0-D tensors. Consider using x.conj()."
TENSORDOT_LISTS = "both dimension lists should have same length"
TENSORDOT_DTYPE = "both inputs should have same dtype"
TENSORDOT_SIZES = ("contracted dimensions need to match, but first has size {s1} in dim {d1} and second "
                   "has size {s2} in dim {d2}")
TENSORDOT_NEGATIVE = "tensordot expects dims >= 0, but got dims={dims}"
TENSORDOT_LARGE = "tensordot expects dims < ndim_a or ndim_b, but got dims={dims}"
TENSORDOT_DIMS_TYPE = ("tensordot expects dims to be int or tuple[list[int], list[int]] or list[list[int]] "
                       "containing two lists, but got dims={dims}")
INNER_SHAPES = "inner() the last dimension must match on both input tensors but got shapes {a} and {b}"
VANDER_1D = "x must be a one-dimensional tensor."
VANDER_NEGATIVE = "N must be non-negative."
COMPLEX_DTYPE = "Expected object of scalar type {a} but got scalar type {b} for second argument"
COMPLEX_FLOAT = "Expected both inputs to be Half, Float or Double tensors but got {a} and {b}"
CHOLESKY_DEPRECATED = (
    "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future PyTorch "
    "release.\nL = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)\nand\nU = "
    "torch.cholesky(A, upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\nThis transform "
    "will produce equivalent results for all valid (symmetric positive definite) inputs.")
QR_DEPRECATED = (
    "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch release.\nThe "
    "boolean parameter 'some' has been replaced with a string parameter 'mode'.\nQ, R = torch.qr(A, some)\n"
    "should be replaced with\nQ, R = torch.linalg.qr(A, 'reduced' if some else 'complete')")
LU_DEPRECATED = (
    "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will be removed "
    "in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\nshould be replaced with\nLU, "
    "pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\nLU, pivots, info = torch.lu(A, compute_pivots, "
    "get_infos=True)\nshould be replaced with\nLU, pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots)")
LU_SOLVE_DEPRECATED = (
    "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a future PyTorch "
    "release.\nNote that torch.linalg.lu_solve has its arguments reversed.\nX = torch.lu_solve(B, LU, pivots)"
    "\nshould be replaced with\nX = torch.linalg.lu_solve(LU, pivots, B)")
LU_SOLVE_SHAPES = "linalg.lu_solve: Incompatible shapes of A and B for the equation AX = B ({a0}x{a1} and {b0}x{b1})"
LU_SOLVE_PIVOTS = "linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32"
TRIANGULAR_SOLVE_DEPRECATED = (
    "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will be removed in a "
    "future PyTorch release.\ntorch.linalg.solve_triangular has its arguments reversed and does not return a "
    "copy of one of the inputs.\nX = torch.triangular_solve(B, A).solution\nshould be replaced with\nX = "
    "torch.linalg.solve_triangular(A, B).")
TRI_SOLVE_NDIM = ("torch.triangular_solve: Expected {name} to have at least 2 dimensions, but it has {ndim} "
                  "dimensions instead")
TRI_SOLVE_DTYPE = "Expected b and A to have the same dtype, but found b of type {b} and A of type {a} instead."
TRI_SOLVE_SHAPES = ("Incompatible matrix sizes for triangular_solve: each A matrix is {a0} by {a1} but each b "
                    "matrix is {b0} by {b1}")
FROBENIUS_DEPRECATED = (
    "at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will be removed in a future "
    "PyTorch release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` instead")
FROBENIUS_DIMS = "Expected at most 2 dimensions, but got {n} dimensions instead."
NORM_DTYPE = "norm(): input dtype should be either floating point or complex. Got {dtype} instead."
NUCLEAR_DEPRECATED = (
    "at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be removed in a future "
    "PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead")
TENSORINV_IND = "Expected a strictly positive integer for 'ind', but got {ind}"
GEQRF_NDIM = "torch.geqrf: input must have at least 2 dimensions."
ORMQR_NDIM = "torch.ormqr: {name} must have at least 2 dimensions."
ORMQR_SHAPES = "torch.ormqr: other.shape[{d}] must be equal to input.shape[-2]"
ORMQR_TAU_NDIM = "torch.ormqr: Expected tau to have one dimension less than input, but got tau.ndim equal to {t} and input.ndim is equal to {a}"
ORMQR_TAU = "torch.ormqr: tau.shape[-1] must be equal to min(other.shape[{d}], input.shape[-1])"
ORMQR_DTYPE = "torch.ormqr: Expected input and {name} to have the same dtype, but input has dtype{a} and {name} has dtype {b}"
EIG_GAUGE = ("linalg_eig_backward: The eigenvectors in the complex case are specified up to "
             "multiplication by e^{i phi}. The specified loss function depends on this quantity, so it is ill-defined.")
# torch converting a Python int operand beyond int64 to a Scalar.
INT_TOO_BIG = "int too big to convert"
NEGATIVE_INT_UNSIGNED = "can't convert negative int to unsigned"
