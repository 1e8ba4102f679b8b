import struct, sys
def xyz(x,y): return [x/y, 1.0, (1-x-y)/y]
def matmul(a,b): return [[sum(a[i][k]*b[k][j] for k in range(3)) for j in range(3)] for i in range(3)]
def matvec(a,v): return [sum(a[i][k]*v[k] for k in range(3)) for i in range(3)]
def inv(m):
    a,b,c=m[0];d,e,f=m[1];g,h,i=m[2]
    det=a*(e*i-f*h)-b*(d*i-f*g)+c*(d*h-e*g)
    return [[(e*i-f*h)/det,(c*h-b*i)/det,(b*f-c*e)/det],[(f*g-d*i)/det,(a*i-c*g)/det,(c*d-a*f)/det],[(d*h-e*g)/det,(b*g-a*h)/det,(a*e-b*d)/det]]
BR=[[0.8951,0.2664,-0.1614],[-0.7502,1.7135,0.0367],[0.0389,-0.0685,1.0296]]
D50=[0.9642,1.0,0.8249]
def adapt(src):
    s=matvec(BR,src); d=matvec(BR,D50)
    D=[[d[0]/s[0],0,0],[0,d[1]/s[1],0],[0,0,d[2]/s[2]]]
    return matmul(inv(BR),matmul(D,BR))
def profile(name, prim, white, gamma):
    W=xyz(*white)
    P=[xyz(*p) for p in prim]
    M=[[P[j][i] for j in range(3)] for i in range(3)]
    S=matvec(inv(M),W)
    M=[[M[i][j]*S[j] for j in range(3)] for i in range(3)]
    A=adapt(W)
    M=matmul(A,M)
    cols=[[M[i][j] for i in range(3)] for j in range(3)]
    def s15(v): return struct.pack('>i', int(round(v*65536)))
    def xyztag(v): return b'XYZ '+b'\0'*4+b''.join(s15(c) for c in v)
    def curv(g): return b'curv'+b'\0'*4+struct.pack('>IH',1,int(round(g*256)))+b'\0\0'
    def desc(t):
        t=t.encode()+b'\0'
        return b'desc'+b'\0'*4+struct.pack('>I',len(t))+t+b'\0'*4+b'\0'*4+b'\0'*2+b'\0'+b'\0'*67
    def text(t): return b'text'+b'\0'*4+t.encode()+b'\0'
    tags=[(b'desc',desc(name)),(b'cprt',text('No copyright, use freely (made for RenderLab tests)')),(b'wtpt',xyztag(D50)),
          (b'rXYZ',xyztag(cols[0])),(b'gXYZ',xyztag(cols[1])),(b'bXYZ',xyztag(cols[2])),
          (b'rTRC',curv(gamma)),(b'gTRC',curv(gamma)),(b'bTRC',curv(gamma))]
    if white != (0.3457,0.3585):
        # chad tag: the adaptation used
        tags.append((b'chad', b'sf32'+b'\0'*4+b''.join(s15(A[i][j]) for i in range(3) for j in range(3))))
    off=128+4+12*len(tags); table=b''; data=b''
    for sig,body in tags:
        while len(body)%4: body+=b'\0'
        table+=sig+struct.pack('>II',off+len(data),len(body)); data+=body
    size=off+len(data)
    hdr=struct.pack('>I',size)+b'none'+struct.pack('>I',0x02100000)+b'mntrRGB XYZ '+struct.pack('>6H',2026,1,1,0,0,0)+b'acsp'+b'APPL'+b'\0'*4+b'\0'*4+b'\0'*4+b'\0'*8+struct.pack('>I',0)+s15(D50[0])+s15(D50[1])+s15(D50[2])+b'none'+b'\0'*44
    assert len(hdr)==128, len(hdr)
    return hdr+struct.pack('>I',len(tags))+table+data
D65=(0.3127,0.3290)
open('gamma18.icc','wb').write(profile('Generic RGB-like (gamma 1.8, Trinitron primaries)',[(0.630,0.340),(0.295,0.605),(0.155,0.077)],D65,1.8))
open('adobergb.icc','wb').write(profile('Adobe RGB (1998) compatible',[(0.64,0.33),(0.21,0.71),(0.15,0.06)],D65,563/256))
open('prophoto.icc','wb').write(profile('ProPhoto RGB compatible',[(0.7347,0.2653),(0.1596,0.8404),(0.0366,0.0001)],(0.3457,0.3585),1.8))
