// Types of the nact dialect: fixed-point numbers and actor addresses.
#ifndef XPU_DIALECTS_NACT_NACTTYPES_TD
#define XPU_DIALECTS_NACT_NACTTYPES_TD

include "dialects/Nact/NactDialect.td"
include "mlir/IR/AttrTypeBase.td"

class Nact_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<Nact_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def Nact_FixedType : Nact_Type<"Fixed", "fixed"> {
  let summary = "signed fixed-point number with a bit width and a binary scale";
  let description = [{
    `!nact.fixed<width, frac>` is a two's complement integer of `width` bits
    whose real value is `integer * 2^-frac`. Quantisation turns `f32` ports
    into fixed-point ports; the hardware sees the integers. Example: 8-bit
    weights with 6 fractional bits are `!nact.fixed<8, 6>`, a 24-bit membrane
    potential with no fraction is `!nact.fixed<24, 0>`.
  }];
  let parameters = (ins "unsigned":$width, "int":$frac);
  let assemblyFormat = "`<` $width `,` $frac `>`";
  let genVerifyDecl = 1;
}

def Nact_AddrType : Nact_Type<"Addr", "addr"> {
  let summary = "the address of an actor, a value that can travel in messages";
  let description = [{
    Returned by `nact.self` and `nact.spawn`, carried in messages on ports of
    type `!nact.addr`, and used by `nact.send` to reach an actor that is not
    statically connected (reply-to addresses, spawned workers).
  }];
}

def Nact_PortType : AnyTypeOf<[AnyRankedTensor, Nact_FixedType, Nact_AddrType,
                               AnySignlessInteger, AnyFloat]>;

#endif // XPU_DIALECTS_NACT_NACTTYPES_TD
