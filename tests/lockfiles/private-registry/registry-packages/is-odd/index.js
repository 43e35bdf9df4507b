module.exports=3
