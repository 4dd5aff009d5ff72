"""GlobalBatchNorm2d over two gloo processes (CPU) against BatchNorm2d on the whole batch in one
process: outputs, input and parameter gradients, running statistics. The batch splits unevenly."""
import os
import socket
import tempfile
import unittest

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn

from gazecam_torch.distributed import convert_batchnorm

SLICES = [(0, 3), (3, 4)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def data():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(4, 3, 5, 5, generator=gen) * 2 + 1
    upstream = torch.randn(4, 3, 5, 5, generator=gen)
    return x, upstream


def fresh_bn():
    torch.manual_seed(0)
    bn = nn.BatchNorm2d(3)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([0.5, 1.0, 2.0]))
        bn.bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
    return bn


def worker(rank, init_method, out_dir):
    dist.init_process_group("gloo", init_method=init_method, rank=rank, world_size=2)
    group = dist.new_group([0, 1])
    bn = convert_batchnorm(nn.Sequential(fresh_bn()), group, torch.device("cpu"))[0].train()
    x, upstream = data()
    a, b = SLICES[rank]
    xs = x[a:b].clone().requires_grad_(True)
    y = bn(xs)
    (y * upstream[a:b]).sum().backward()
    torch.save({"y": y.detach(), "dx": xs.grad, "dw": bn.weight.grad, "db": bn.bias.grad, "state": bn.state_dict()},
               os.path.join(out_dir, "rank%d.pt" % rank))
    dist.destroy_process_group()


class GlobalBatchNormTest(unittest.TestCase):
    def test_two_processes_normalise_like_one(self):
        with tempfile.TemporaryDirectory() as d:
            mp.spawn(worker, args=("tcp://127.0.0.1:%d" % free_port(), d), nprocs=2, join=True)
            ranks = [torch.load(os.path.join(d, "rank%d.pt" % r)) for r in range(2)]
        bn = fresh_bn().train()
        x, upstream = data()
        x = x.clone().requires_grad_(True)
        y = bn(x)
        (y * upstream).sum().backward()

        def close(ours, ref, what):
            err = float((ours - ref).abs().max() / ref.abs().max())
            self.assertLess(err, 1e-6, what)

        close(torch.cat([r["y"] for r in ranks]), y.detach(), "output")
        close(torch.cat([r["dx"] for r in ranks]), x.grad, "input gradient")
        # DDP sums (then averages) parameter gradients over processes: the sum is one process's.
        close(ranks[0]["dw"] + ranks[1]["dw"], bn.weight.grad, "weight gradient")
        close(ranks[0]["db"] + ranks[1]["db"], bn.bias.grad, "bias gradient")
        for r in ranks:
            close(r["state"]["running_mean"], bn.running_mean, "running mean")
            close(r["state"]["running_var"], bn.running_var, "running var")
            self.assertEqual(int(r["state"]["num_batches_tracked"]), 1)


if __name__ == "__main__":
    unittest.main()
