# kiln.gdb - gdb commands for debugging Kiln (stage 1, stage 2) and kernels
# under QEMU.
#
# `make debug`, or `kiln run KERNEL --gdb`, starts QEMU halted at the reset
# vector with a gdb stub on localhost:1234 (QEMU's -s -S) and prints the
# command that attaches, for example (run it from the top of the source
# tree: the paths below are relative to it):
#
#     gdb -x tools/gdb/kiln.gdb -ex 'symbol-file build/kernel-example.elf' -ex 'target remote :1234'
#
# Then, to stop in the kernel:
#     (gdb) kiln-entry           a hardware breakpoint on the kernel's _start
#     (gdb) continue             through the firmware, stage 1 and stage 2
# or, to step through the loader:
#     (gdb) kiln-mbr             break at 0x7c00, where the BIOS jumps to stage 1
#     (gdb) continue
#     (gdb) kiln-where           CS:IP, its linear address, the next instructions
#     (gdb) stepi                (then kiln-where again: x/i $pc is wrong in real mode)
#     (gdb) kiln-stage2          break at stage 2's entry, 0x8000 (still real mode)
#     (gdb) kiln-handoff         break where stage 2 jumps to the kernel (long mode)
#
# Why hardware breakpoints (hbreak): a software breakpoint is a byte that
# QEMU writes at a virtual address when you continue. Before the loader has
# mapped the kernel, and in real mode, the kernel's addresses do not exist
# yet and inserting it fails. A hardware breakpoint compares the linear
# address as the CPU runs, in every mode, after every page-table switch.
#
# Why 16-bit code needs help: QEMU's x86_64 stub always describes a 64-bit
# CPU, and gdb keeps decoding with the stub's description even after `set
# architecture i8086` (kiln-real; it works against qemu-system-i386). So
# kiln-x16 decodes real-mode code with objdump (-m i8086), and kiln-where
# picks the decoding from CR0.PE and EFER.LMA by itself.

set disassembly-flavor intel
set architecture i386:x86-64

define kiln-real
    set architecture i8086
end
document kiln-real
Set gdb's architecture to i8086 (16-bit). Against QEMU's x86_64 stub gdb still
decodes with the stub's 64-bit description: use kiln-x16 or kiln-where there.
end

define kiln-long
    set architecture i386:x86-64
end
document kiln-long
Decode instructions as 64-bit code (stage 2 in long mode, the kernel).
end

# In real mode $pc is only IP: the CPU fetches from CS * 16 + IP. The
# registers are read while gdb still uses the stub's 64-bit description
# (under i8086 it cannot do arithmetic on them; CR0 and EFER are flag
# types, hence the casts), and the 16-bit decoding is
# switched on only for the x/i.
define kiln-where
    if ((long)$cr0 & 1) == 0
        set $kiln_cs = $cs & 0xffff
        set $kiln_ip = (long)$rip & 0xffff
        set $kiln_linear = ($kiln_cs << 4) + $kiln_ip
        printf "real mode: CS:IP = %04x:%04x, linear 0x%05x\n", $kiln_cs, $kiln_ip, $kiln_linear
        kiln-x16 $kiln_linear 6
    else
        if ((long)$efer & 0x400) != 0
            set architecture i386:x86-64
            printf "long mode: RIP = 0x%016lx, CR3 = 0x%lx\n", $rip, $cr3
        else
            set architecture i386
            printf "protected mode: CS = %04x, EIP = 0x%08lx\n", $cs, (long)$rip
        end
        x/6i $pc
    end
end
document kiln-where
Show where the CPU is in any mode: CS:IP and the linear address in real mode,
RIP in long mode, and the next instructions decoded for that mode.
end

define kiln-mbr
    hbreak *0x7c00
end
document kiln-mbr
Break at 0x7c00, the first instruction of stage 1 (the MBR), in real mode.
end

define kiln-stage2
    hbreak *0x8000
end
document kiln-stage2
Break at 0x8000, stage 2's real-mode entry (_start16), after stage 1 loaded it.
end

define kiln-handoff
    hbreak handoff_jump
end
document kiln-handoff
Break in stage 2's handoff_jump: page tables built, boot info filled, about to
load CR3 and RSP and jump to the kernel. Needs stage 2's symbols (kiln-syms).
end

define kiln-entry
    hbreak _start
end
document kiln-entry
Break at the kernel's _start (the entry KILN_ENTRY defines), loaded with
symbol-file KERNEL. A PIE kernel loaded away from its link address needs
`hbreak *ADDRESS` with the boot info's kernel_entry instead.
end

define kiln-syms
    add-symbol-file build/stage2.elf
end
document kiln-syms
Load stage 2's symbols (build/stage2.elf, linked at 0x8000) next to the kernel's.
end

# kiln-x16, and stage 2's symbols when this is a source tree with a build.
# Last in the file: a gdb without Python stops reading here, with the
# commands above defined already.
python
import os
import re
import subprocess
import tempfile


class KilnX16(gdb.Command):
    """kiln-x16 [LINEAR-ADDRESS [COUNT]]: decode COUNT (default 8) instructions
as 16-bit real-mode code, with objdump, at a linear address (default CS * 16 + IP)."""

    def __init__(self):
        super().__init__("kiln-x16", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        argv = gdb.string_to_argv(arg)
        if argv:
            addr = int(gdb.parse_and_eval(argv[0]))
        else:
            cs = int(gdb.parse_and_eval("$cs")) & 0xFFFF
            addr = (cs << 4) + (int(gdb.parse_and_eval("(long)$rip")) & 0xFFFF)
        count = int(argv[1]) if len(argv) > 1 else 8
        mem = gdb.selected_inferior().read_memory(addr, count * 8).tobytes()  # x86 instructions: up to 15 bytes
        with tempfile.NamedTemporaryFile(suffix=".bin") as f:
            f.write(mem)
            f.flush()
            out = subprocess.run(["objdump", "-D", "-b", "binary", "-m", "i8086", "-M", "intel",
                                  "--adjust-vma=%#x" % addr, f.name],
                                 capture_output=True, text=True, check=False).stdout
        lines = [l for l in out.splitlines() if re.match(r"^\s*[0-9a-f]+:\t", l)]
        for i, line in enumerate(lines[:count]):
            print(("=> " if i == 0 else "   ") + line.strip())


KilnX16()

if os.path.exists("build/stage2.elf"):
    gdb.execute("set confirm off")
    gdb.execute("add-symbol-file build/stage2.elf", to_string=True)
    gdb.execute("set confirm on")
end
