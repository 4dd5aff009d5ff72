"""The process group under torchrun, and batch norm that sees the global batch.

N processes must train like one process over the same global batch. Gradients are averaged by
DistributedDataParallel; batch norm's batch statistics are not: each process would normalise with
the mean and variance of its own slice. On CUDA nn.SyncBatchNorm fixes that; PyTorch's refuses CPU
tensors ("SyncBatchNorm expected input tensor to be on GPU"), so on CPU (gloo) GlobalBatchNorm2d
sums the statistics over processes with a differentiable all-reduce, in float64 as PyTorch's CPU
batch norm accumulates them.
"""
import os

import torch
import torch.distributed as dist
import torch.nn as nn


class Distributed:
    """rank, world size and device from torchrun's environment (one process without it)."""

    def __init__(self, device="auto"):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        # >0 when torchrun --max-restarts restarted the workers after a failure.
        self.restart_count = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0"))
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device("cuda", self.local_rank) if device == "cuda" else torch.device("cpu")
        self.backend = "nccl" if self.device.type == "cuda" else "gloo"
        self.bn_group = None

    @property
    def is_main(self):
        return self.rank == 0

    def start(self):
        if self.device.type == "cuda":
            torch.cuda.set_device(self.device)
        if self.world > 1:
            dist.init_process_group(self.backend)
            # Batch-norm collectives get their own group, apart from DDP's gradient buckets.
            self.bn_group = dist.new_group(list(range(self.world)), backend=self.backend)

    def stop(self):
        if self.world > 1 and dist.is_initialized():
            dist.destroy_process_group()

    def barrier(self):
        if self.world > 1:
            dist.barrier()

    def all_reduce_sum(self, tensor):
        if self.world > 1:
            dist.all_reduce(tensor)
        return tensor

    def gather_objects(self, obj):
        """-> list of every rank's obj, in rank order."""
        if self.world == 1:
            return [obj]
        out = [None] * self.world
        dist.all_gather_object(out, obj)
        return out

    def broadcast_object(self, obj):
        """rank 0's obj on every rank."""
        if self.world == 1:
            return obj
        box = [obj]
        dist.broadcast_object_list(box, src=0)
        return box[0]


class _AllReduceSum(torch.autograd.Function):
    """y = sum over processes of x; the gradient of each x is the sum of every process's dL/dy."""

    @staticmethod
    def forward(ctx, x, group):
        ctx.group = group
        y = x.clone()
        dist.all_reduce(y, group=group)
        return y

    @staticmethod
    def backward(ctx, grad):
        grad = grad.clone()
        dist.all_reduce(grad, group=ctx.group)
        return grad, None


class GlobalBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d whose training statistics are those of the global batch over a process group
    (a process may hold any number of the batch's images); eval mode is BatchNorm2d's. Running
    statistics follow PyTorch's update (momentum, unbiased variance), identical on every process."""

    group = None

    def forward(self, x):
        if not self.training or self.group is None:
            return super().forward(x)
        c = x.shape[1]
        xd = x.double()
        # One all-reduce per layer: sum, sum of squares and count. In float64 the variance as
        # E[x^2] - E[x]^2 loses nothing a float32 activation holds.
        local = torch.cat([xd.sum((0, 2, 3)), (xd * xd).sum((0, 2, 3)),
                           torch.full((1,), float(x.shape[0] * x.shape[2] * x.shape[3]), dtype=torch.float64, device=x.device)])
        sums = _AllReduceSum.apply(local, self.group)
        n = sums[2 * c]
        mean = sums[:c] / n
        var = sums[c : 2 * c] / n - mean * mean
        inv_std = torch.rsqrt(var + self.eps)
        y = ((xd - mean.view(1, c, 1, 1)) * inv_std.view(1, c, 1, 1)).to(x.dtype)
        if self.affine:
            y = y * self.weight.view(1, c, 1, 1) + self.bias.view(1, c, 1, 1)
        if self.track_running_stats:
            # Every process sees the same global statistics, so the running ones stay identical.
            with torch.no_grad():
                self.num_batches_tracked += 1
                m = self.momentum
                self.running_mean.mul_(1 - m).add_(mean.to(self.running_mean.dtype), alpha=m)
                self.running_var.mul_(1 - m).add_((var * n / (n - 1)).to(self.running_var.dtype), alpha=m)
        return y


def convert_batchnorm(module, group, device):
    """Every BatchNorm2d in `module` made global over `group`: nn.SyncBatchNorm on CUDA,
    GlobalBatchNorm2d elsewhere. Parameters and buffers are kept (same state_dict keys)."""
    if device.type == "cuda":
        return nn.SyncBatchNorm.convert_sync_batchnorm(module, group)
    out = module
    if isinstance(module, nn.BatchNorm2d) and not isinstance(module, GlobalBatchNorm2d):
        out = GlobalBatchNorm2d(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats)
        out.group = group
        if module.affine:
            with torch.no_grad():
                out.weight = module.weight
                out.bias = module.bias
        out.running_mean = module.running_mean
        out.running_var = module.running_var
        out.num_batches_tracked = module.num_batches_tracked
        out.train(module.training)
    for name, child in module.named_children():
        out.add_module(name, convert_batchnorm(child, group, device))
    return out
